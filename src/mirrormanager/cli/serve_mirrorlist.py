"""`mirrormanager serve-mirrorlist`: answer /mirrorlist and /metalink from the snapshot.

The workers import only the mirrorlist package (no database layer); this command reads
the settings, builds the worker config and hands over to the Granian supervisor.
"""

from __future__ import annotations

from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option


@click.command("serve-mirrorlist")
@config_option
@click.option("--bind", default=None, metavar="HOST:PORT", help="Default: mirrorlist_bind.")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help="Worker processes.")
@click.option(
    "--snapshot",
    "snapshot",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Snapshot file (default: snapshot_file setting).",
)
@click.option(
    "--geoip",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="MaxMind-format country database (default: geoip_database setting).",
)
def serve_mirrorlist(
    bind: str | None, workers: int | None, snapshot: Path | None, geoip: Path | None
) -> None:
    """Serve /mirrorlist and /metalink (plus /-/health, /-/snapshot, /metrics)."""
    from mirrormanager.mirrorlist.app import ServerConfig
    from mirrormanager.mirrorlist.server import parse_bind, serve

    settings = app_context().settings
    bind = bind or settings.mirrorlist_bind
    parse_bind(bind)  # a bad address fails before any worker starts
    config = ServerConfig.from_settings(settings, snapshot=snapshot, geoip=geoip)
    click.echo(f"serve-mirrorlist: {config.snapshot_path} on http://{bind}", err=True)
    serve(config, bind=bind, workers=workers or settings.mirrorlist_workers)
