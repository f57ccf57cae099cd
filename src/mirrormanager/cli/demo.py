"""`mirrormanager demo`: the whole system on a demo network, served on localhost."""

from __future__ import annotations

import dataclasses
import re
import secrets
import shutil
import threading
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.cli.context import AppContext
from mirrormanager.cli.crawl import crawl_options
from mirrormanager.cli.listen import HOST_PORT, ensure_free
from mirrormanager.cli.progress import terminal_progress
from mirrormanager.cli.umdl import print_scan_summary
from mirrormanager.core.hostport import HostPort
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import crawl
from mirrormanager.db import migrate
from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import Arch, Category, CategoryDirectory, Product, Repository, Version
from mirrormanager.demo_mirrors import DemoMirrorServer
from mirrormanager.demo_network import populate_demo_network
from mirrormanager.demo_tree import build_demo_tree
from mirrormanager.errors import ConfigError
from mirrormanager.mirrorlist.app import ServerConfig
from mirrormanager.mirrorlist.server import serve
from mirrormanager.mirrorlist.testing_geoip import write_country_mmdb
from mirrormanager.scanner.service import scan
from mirrormanager.snapshot.service import build_and_publish
from mirrormanager.web import accounts
from mirrormanager.web.demo import create_demo_accounts

DEMO_GEOIP = {
    "127.0.0.0/8": "DE",  # this machine: curl from the demo's own host looks German
    "192.0.2.0/24": "DE",
    "198.51.100.0/24": "DE",
    "203.0.113.0/24": "JP",
    "2001:db8:1::/48": "US",
    "100.64.0.0/10": "BR",
}


def write_demo_config(directory: Path, *, bind: str | HostPort = "127.0.0.1:8080") -> Path:
    """A settings file that points every path into the demo directory."""
    config = directory / "mirrormanager.toml"
    config.write_text(
        "# Written by `mirrormanager demo`: everything lives in this folder.\n"
        f'data_dir = "{directory}"\n'
        f'log_dir = "{directory / "log"}"\n'
        f'master_prefix = "{directory / "master"}"\n'
        f'geoip_database = "{directory / "GeoLite2-Country-demo.mmdb"}"\n'
        f'mirrorlist_bind = "{bind}"\n'
        "mirrorlist_workers = 1\n"
        'log_level = "WARNING"  # the demo prints its own summary lines\n',
        encoding="utf-8",
    )
    return config


def print_inventory(session: Session) -> None:
    click.echo("\nCategories:")
    for name, product, count in session.execute(
        select(Category.name, Product.name, func.count(CategoryDirectory.directory_id))
        .join(Product, Product.id == Category.product_id)
        .join(CategoryDirectory, CategoryDirectory.category_id == Category.id)
        .group_by(Category.name, Product.name)
        .order_by(Category.name)
    ):
        click.echo(f"  {name:<26} {product:<8} {count:>6} directories")
    click.echo("\nVersions:")
    for product, names in _versions(session).items():
        click.echo(f"  {product}: {', '.join(sorted(names, key=version_key))}")
    click.echo("\nRepositories (prefix, arch -> directory):")
    for prefix, arch, name in session.execute(
        select(Repository.prefix, Arch.name, Repository.name)
        .join(Arch, Arch.id == Repository.arch_id)
        .order_by(Repository.prefix, Arch.name)
    ):
        click.echo(f"  {prefix or '(no prefix)':<30} {arch:<8} {name}")


def version_key(name: str) -> tuple[int, list[int], str]:
    """Numeric versions in numeric order (9 before 10.1), named ones (rawhide) after them."""
    numbers = [int(part) for part in re.findall(r"\d+", name)]
    return (0 if numbers else 1, numbers, name)


def _versions(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for product, version in session.execute(
        select(Product.name, Version.name)
        .join(Version.product)
        .order_by(Product.name, Version.name)
    ):
        out.setdefault(product, []).append(version)
    return out


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
    directory = directory.resolve()
    if fresh and directory.exists():
        shutil.rmtree(directory)
    master = directory / "master"
    if not master.exists():
        click.echo(f"building the demo master tree in {master} …")
        tmp = directory / "master.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        summary = build_demo_tree(tmp)
        tmp.rename(master)
        click.echo(
            f"  {summary.directories} directories, {summary.files} files, "
            f"{len(summary.repositories)} repositories"
        )
    config = write_demo_config(directory, bind=bind)
    app = AppContext(config, debug)
    write_country_mmdb(app.settings.geoip_database, DEMO_GEOIP)
    migrate.upgrade(app.engine)
    click.echo(
        f"database {app.settings.effective_database_url} at schema "
        f"{migrate.current_revision(app.engine)}"
    )
    with job_lock(app.engine, "umdl", what="master tree scan (umdl)"):
        session = app.session()
        with terminal_progress(not debug) as progress:
            result = scan(session, app.settings, progress=progress)
    print_scan_summary(result)
    print_inventory(session)
    try:
        mirrors = DemoMirrorServer(master, port=mirror_port).start()
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the demo mirrors on port {mirror_port}: {exc.strerror}",
            hint="choose another with --mirror-port (0: any free port)",
        ) from None
    try:
        populate_demo_network(
            session, app.settings, mirror_base_url=mirrors.base_url, mark_up2date=False
        )
        crawled = crawl(
            session,
            app.settings,
            HostSelection(include_private=True),
            crawl_options(app.settings, protocol="http", probe_reachability=False),
        )
    finally:
        if not serve:
            mirrors.stop()
    click.echo(
        f"\ndemo mirror network crawled over HTTP: {crawled.count('ok')} of {crawled.total} "
        f"hosts current, {crawled.requests} requests, {crawled.seconds:.1f}s"
    )
    published = build_and_publish(session, app.settings, app.engine)
    click.echo(published.summary())
    logins = demo_logins(session, app.settings.admin_group)
    session.close()
    click.echo(f"\nsettings: {config}\nrescan: mirrormanager umdl --config {config}")
    if serve:
        _serve(app, mirrors, bind, directory, web_bind, logins)


def demo_logins(session: Session, admin_group: str) -> list[tuple[str, str, str]]:
    """(user, password, role) of the demo accounts; passwords are new on every run."""
    logins = []
    for account in create_demo_accounts(session, admin_group):
        password = account.password
        if password is None:
            password = secrets.token_urlsafe(9)
            user = accounts.find_user(session, account.username)
            assert user is not None
            accounts.set_password(user, password)
        logins.append((account.username, password, account.role))
    session.commit()
    return logins


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
    mirrors: DemoMirrorServer,
    bind: HostPort,
    directory: Path,
    web_bind: HostPort,
    logins: list[tuple[str, str, str]],
) -> None:
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
        f"  {user:<12} password {password:<14} ({role})" for user, password, role in logins
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
        mirrors.stop()
