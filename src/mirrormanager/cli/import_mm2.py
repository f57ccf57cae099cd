"""`mirrormanager import-mm2 --from URL`: migrate a MirrorManager2 database into ours."""

from __future__ import annotations

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.db.locks import job_lock
from mirrormanager.maintenance.import_mm2 import ImportReport, import_mm2


def print_import_report(report: ImportReport) -> None:
    width = max((len(name) for name in report.tables), default=5)
    click.echo(f"{'table':<{width}}  inserted  updated  unchanged  skipped")
    for name, t in report.tables.items():
        click.echo(
            f"{name:<{width}}  {t.inserted:>8}  {t.updated:>7}  {t.unchanged:>9}  {t.skipped:>7}"
        )
        for what, count in t.notes.items():
            click.echo(f"{'':<{width}}  {count} {what}")
    for name, rows in report.not_imported.items():
        click.echo(f"not imported: MM2 table {name} ({rows} rows)")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.tables.get("mm_user") and report.tables["mm_user"].inserted:
        click.echo(
            "MirrorManager2 passwords cannot be carried over: imported users must reset "
            "theirs (`mirrormanager user …`) or log in through OIDC."
        )
    verb = "would change" if report.dry_run else "changed"
    click.echo(
        f"{verb} {report.changes} rows" + (" (dry run: rolled back)" if report.dry_run else "")
    )


@click.command("import-mm2")
@config_option
@click.option(
    "--from",
    "source_url",
    required=True,
    metavar="DATABASE_URL",
    help="SQLAlchemy URL of the MirrorManager2 database (read only).",
)
@click.option("--dry-run", is_flag=True, help="Import, report, then roll everything back.")
def import_mm2_command(source_url: str, dry_run: bool) -> None:
    """Copy sites, hosts, content, netblocks, redirects and users from MirrorManager2.

    Idempotent: rows are matched by name, so running it again only applies what changed in
    MirrorManager2 since. Check-in passwords are stored hashed; pickled columns are skipped
    and counted; user passwords cannot be carried (users must reset them).
    """
    app = app_context()
    # A scan or a maintenance command would write the same rows meanwhile.
    with (
        job_lock(app.engine, "umdl", what="master tree scan (umdl)"),
        job_lock(app.engine, "maintenance", what="maintenance command"),
    ):
        session = app.session()
        try:
            report = import_mm2(session, source_url, dry_run=dry_run)
        finally:
            session.close()
    print_import_report(report)
