"""`mirrormanager serve-mirrorlist`: answer /mirrorlist and /metalink from the snapshot.

The workers import only the mirrorlist package (no database layer); this command reads
the settings, builds the worker config and hands over to the Granian supervisor.
"""

from __future__ import annotations

from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option, setting_file_option
from mirrormanager.cli.listen import HOST_PORT, ensure_free
from mirrormanager.core.hostport import HostPort


@click.command("serve-mirrorlist")
@config_option
@click.option(
    "--bind", type=HOST_PORT, default=None, help="Where to listen (default: mirrorlist_bind)."
)
@click.option("--workers", type=click.IntRange(1, 256), default=None, help="Worker processes.")
@setting_file_option("--snapshot", help="Snapshot file (default: snapshot_file setting).")
@setting_file_option(
    "--geoip", help="MaxMind-format country database (default: geoip_database setting)."
)
def serve_mirrorlist(
    bind: HostPort | None, workers: int | None, snapshot: Path | None, geoip: Path | None
) -> None:
    """Serve /mirrorlist and /metalink (plus /-/health, /-/snapshot, /metrics)."""
    from mirrormanager.mirrorlist.app import ServerConfig
    from mirrormanager.mirrorlist.server import serve

    settings = app_context().settings
    address = bind or settings.mirrorlist_bind
    # Granian listens with SO_REUSEPORT: without this check a second server on the same
    # port would start silently and the kernel would split the clients between the two.
    ensure_free(address, server="serve-mirrorlist", option="--bind or mirrorlist_bind")
    config = ServerConfig.from_settings(settings, snapshot=snapshot, geoip=geoip)
    click.echo(f"serve-mirrorlist: {config.snapshot_path}, listening on {address.url}", err=True)
    serve(config, bind=address, workers=workers or settings.mirrorlist_workers)
