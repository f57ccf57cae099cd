"""`mirrormanager stats`: ingest mirrorlist access logs, expire old statistics."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.db.locks import job_lock
from mirrormanager.stats.ingest import FileReport, expire, ingest


@click.group("stats")
def stats() -> None:
    """Usage statistics from the mirrorlist access logs."""


def _print_file(report: FileReport) -> None:
    if report.status == "failed":
        click.echo(f"{report.path}: FAILED: {report.error}", err=True)
        return
    if report.status == "skipped":
        click.echo(f"{report.path}: already ingested, skipped ({report.lines:,} lines)")
        return
    click.echo(
        f"{report.path}: {report.lines:,} lines, {report.requests:,} requests, "
        f"{report.rows:,} daily rows, {report.malformed:,} malformed"
    )
    for number, text in report.examples:
        click.echo(f"  malformed line {number}: {text!r}", err=True)


@stats.command("ingest")
@config_option
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Files parsed at the same time (one process each).",
)
@click.option(
    "--allow-live",
    is_flag=True,
    help="Also read the access log the mirrorlist server is still writing (it would count "
    "again, under another fingerprint, once rotated).",
)
def ingest_command(files: tuple[Path, ...], workers: int, allow_live: bool) -> int:
    """Count access logs (plain or .gz) into daily statistics; each file counts once."""
    app = app_context()
    live = app.settings.effective_access_log
    paths = []
    for path in files:
        if not allow_live and live is not None and path.resolve() == live.resolve():
            click.echo(f"{path}: the live access log, skipped (ingest rotated files)", err=True)
            continue
        paths.append(path)
    with job_lock(app.engine, "stats-ingest", what="statistics ingest"):
        session = app.session()
        report = ingest(session, paths, workers=workers, on_file=_print_file)
        session.close()
    click.echo(
        f"ingested {sum(f.status == 'ingested' for f in report.files)} files: "
        f"{report.total('lines'):,} lines, {report.total('requests'):,} requests, "
        f"{report.total('malformed'):,} malformed; "
        f"{sum(f.status == 'skipped' for f in report.files)} skipped, "
        f"{sum(f.status == 'failed' for f in report.files)} failed"
    )
    return 0 if report.ok else 1


@stats.command("expire")
@config_option
@click.option(
    "--days",
    type=click.IntRange(1),
    default=None,
    help="Keep this many days (default: setting stats_keep_days).",
)
def expire_command(days: int | None) -> int:
    """Delete daily statistics and propagation history older than the retention."""
    app = app_context()
    keep = days if days is not None else app.settings.stats_keep_days
    session = app.session()
    access, propagation = expire(session, keep)
    session.close()
    click.echo(
        f"deleted {access:,} daily statistics rows and {propagation:,} propagation rows "
        f"older than {keep} days"
    )
    return 0
