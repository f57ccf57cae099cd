"""`mirrormanager serve-checkin` (the check-in endpoint) and `report-mirror` (its client)."""

from __future__ import annotations

from pathlib import Path

import click

from mirrormanager.checkin.client import (
    DEFAULT_CONFIG,
    category_counts,
    dumps_for_humans,
    report_mirror,
)
from mirrormanager.cli.context import app_context, config_option
from mirrormanager.cli.listen import HOST_PORT, ensure_free
from mirrormanager.core.hostport import HostPort
from mirrormanager.db.migrate import require_current
from mirrormanager.db.session import make_session_factory


@click.command("serve-checkin")
@config_option
@click.option(
    "--bind", type=HOST_PORT, default=None, help="Where to listen (default: checkin_bind)."
)
@click.option(
    "--min-interval",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds a host must wait between two check-ins (default: checkin_min_interval).",
)
def serve_checkin(bind: HostPort | None, min_interval: float | None) -> None:
    """Serve the report_mirror check-in endpoint (/xmlrpc and /api/checkin)."""
    import uvicorn

    from mirrormanager.checkin.app import create_app
    from mirrormanager.db.throttle import ThrottlePolicy

    app = app_context()
    settings = app.settings
    address = bind or settings.checkin_bind
    require_current(app.engine)
    ensure_free(address, server="serve-checkin", option="--bind or checkin_bind")
    asgi = create_app(
        make_session_factory(app.engine),
        max_bytes=settings.checkin_max_bytes,
        max_document_bytes=settings.checkin_max_document_bytes,
        max_directories=settings.checkin_max_directories,
        min_interval=settings.checkin_min_interval if min_interval is None else min_interval,
        throttle=ThrottlePolicy.from_settings(settings),
        trusted_proxies=settings.trusted_proxies,
    )
    click.echo(f"serve-checkin: listening on {address.url}", err=True)
    uvicorn.run(
        asgi, host=address.host, port=address.port, log_level="warning", proxy_headers=False
    )


@click.command("report-mirror")
@click.option(
    "-c",
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="report_mirror.conf (MirrorManager2's format).",
)
@click.option("-n", "--no-send", "--dry-run", "dry_run", is_flag=True, help="Print, do not send.")
@click.option(
    "--exclude-from",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="File of substrings; matching directories are not reported.",
)
@click.option("--server", default=None, help="Override [global] server.")
@click.option("-d", "--debug", is_flag=True, help="Print the whole document.")
def report_mirror_command(
    config: Path, dry_run: bool, exclude_from: Path | None, server: str | None, debug: bool
) -> None:
    """Report this mirror's directories to MirrorManager (private mirrors)."""
    document, reply = report_mirror(
        config, dry_run=dry_run, exclude_from=exclude_from, server=server
    )
    if dry_run or debug:
        click.echo(dumps_for_humans(document))
    for name, count in category_counts(document):
        click.echo(f"{name}: {count} directories", err=True)
    if reply is not None:
        click.echo(reply)
