"""`mirrormanager demo`: the whole system on a demo network, served on localhost."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import click

from mirrormanager.cli.context import AppContext
from mirrormanager.cli.crawl import crawl_options
from mirrormanager.cli.listen import HOST_PORT, ensure_free
from mirrormanager.cli.progress import terminal_progress
from mirrormanager.cli.umdl import print_scan_summary
from mirrormanager.core.hostport import HostPort
from mirrormanager.demo.accounts import DemoLogin
from mirrormanager.demo.world import DemoWorld, Inventory
from mirrormanager.errors import ConfigError
from mirrormanager.mirrorlist.app import ServerConfig
from mirrormanager.mirrorlist.server import serve


def print_inventory(inventory: Inventory) -> None:
    click.echo("\nCategories:")
    for name, product, count in inventory.categories:
        click.echo(f"  {name:<26} {product:<8} {count:>6} directories")
    click.echo("\nVersions:")
    for product, names in inventory.versions.items():
        click.echo(f"  {product}: {', '.join(names)}")
    click.echo("\nRepositories (prefix, arch -> directory):")
    for prefix, arch, name in inventory.repositories:
        click.echo(f"  {prefix or '(no prefix)':<30} {arch:<8} {name}")


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
    help="Folder for the demo tree, database and settings.",
)
@click.option("--fresh", is_flag=True, help="Delete the folder first and start over.")
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Serve the mirrorlist and the demo mirrors until Ctrl-C.",
)
@click.option(
    "--bind",
    type=HOST_PORT,
    default="127.0.0.1:8080",
    show_default=True,
    help="Where the mirrorlist server listens.",
)
@click.option(
    "--mirror-port",
    type=click.IntRange(0, 65535),
    default=8088,
    show_default=True,
    help="Port of the local HTTP server that plays every demo mirror (0: any free port).",
)
@click.option(
    "--web-bind",
    type=HOST_PORT,
    default="127.0.0.1:8000",
    show_default=True,
    help="Where the admin UI and public pages listen.",
)
@click.option("--debug", is_flag=True, help="Log everything and show tracebacks.")
def demo_command(
    directory: Path,
    fresh: bool,
    serve: bool,
    bind: HostPort,
    mirror_port: int,
    web_bind: HostPort,
    debug: bool,
) -> None:
    """Run the whole system on a demo network: scan, mirrors, snapshot, mirrorlist server.

    Builds a demo master tree, scans it into SQLite, adds a demo mirror network (sites and
    hosts in several countries, netblocks, an ASN, a private mirror) played by one local
    HTTP server, crawls it for real, builds the snapshot and serves /metalink and
    /mirrorlist on localhost, plus the admin UI and public pages.
    """
    if serve:  # every port is checked before a minute of building, not after
        ensure_free(bind, server="the demo's mirrorlist server", option="--bind")
        ensure_free(web_bind, server="the demo's web UI", option="--web-bind")
    if mirror_port:
        mirrors_at = HostPort("127.0.0.1", mirror_port)
        ensure_free(mirrors_at, server="the demo mirrors", option="--mirror-port")
    world = DemoWorld(directory)
    if fresh:
        world.reset()
    if not world.has_tree:
        click.echo(f"building the demo master tree in {world.master} …")
        summary = world.build_tree()
        click.echo(
            f"  {summary.directories} directories, {summary.files} files, "
            f"{len(summary.repositories)} repositories"
        )
    config = world.write_config(bind=bind)
    app = AppContext(config, debug)
    world.connect(app.settings, app.engine)
    world.write_geoip()
    revision = world.migrate()
    click.echo(f"database {app.settings.effective_database_url} at schema {revision}")
    with terminal_progress(not debug) as progress:
        result = world.scan(progress)
    print_scan_summary(result)
    print_inventory(world.inventory())
    try:
        world.start_mirrors(port=mirror_port)
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the demo mirrors on port {mirror_port}: {exc.strerror}",
            hint="choose another with --mirror-port (0: any free port)",
        ) from None
    try:
        world.add_network()
        crawled = world.crawl(
            crawl_options(app.settings, protocol="http", probe_reachability=False)
        )
    finally:
        if not serve:
            world.stop_mirrors()
    click.echo(
        f"\ndemo mirror network crawled over HTTP: {crawled.count('ok')} of {crawled.total} "
        f"hosts current, {crawled.requests} requests, {crawled.seconds:.1f}s"
    )
    click.echo(world.publish().summary())
    logins = world.add_accounts()
    world.session.close()
    click.echo(f"\nsettings: {config}\nrescan: mirrormanager umdl --config {config}")
    if serve:
        _serve(app, world, bind, web_bind, logins)


def _start_web(app: AppContext, web_bind: HostPort) -> Any:
    """The admin UI and public pages on a waitress server in a background thread."""
    from waitress.server import create_server

    from mirrormanager.web.app import create_app

    server = create_server(
        create_app(app.settings), host=web_bind.host, port=web_bind.port, threads=4
    )
    threading.Thread(target=server.run, daemon=True).start()
    return server


def _serve(
    app: AppContext,
    world: DemoWorld,
    bind: HostPort,
    web_bind: HostPort,
    logins: list[DemoLogin],
) -> None:
    assert world.mirrors is not None
    mirrors, directory = world.mirrors, world.directory
    web = _start_web(app, web_bind)
    settings = app.settings
    url = bind.url
    repo_file = directory / "demo.repo"
    repo_file.write_text(
        "[mirrormanager-demo]\nname=MirrorManager demo (fedora-41)\n"
        f"metalink={url}/metalink?repo=fedora-41&arch=$basearch\ngpgcheck=0\n",
        encoding="utf-8",
    )
    accounts_text = "\n".join(
        f"  {login.username:<12} password {login.password:<14} ({login.role})" for login in logins
    )
    click.echo(
        f"""
demo mirrors: {mirrors.base_url}/ (every demo host's URLs point here)
web UI and public pages: http://{web_bind}/  log in as
{accounts_text}
mirrorlist server: {url}  (Ctrl-C stops)

try:
  curl '{url}/mirrorlist?repo=fedora-41&arch=x86_64'
  curl '{url}/metalink?repo=updates-released-f41&arch=x86_64'
  curl '{url}/mirrorlist?repo=epel-9&arch=x86_64&ip=198.51.100.7'   # the private campus mirror
  curl '{url}/mirrorlist?repo=fedora-41&arch=x86_64&country=US,JP'
  curl '{url}/-/snapshot'
  dnf --setopt=reposdir={directory} --repo mirrormanager-demo --releasever=41 \\
      --installroot={directory / "dnf-root"} makecache
"""
    )
    config = ServerConfig.from_settings(settings)
    if not config.trusted_proxies:  # the demo's `curl …&ip=` lines come from loopback
        config = dataclasses.replace(config, trusted_proxies=("127.0.0.0/8", "::1/128"))
    try:
        serve(config, bind=bind, workers=settings.mirrorlist_workers)
    finally:
        web.close()
        world.stop_mirrors()
