"""`mirrormanager umdl` (= mm2_update-master-directory-list): scan the master tree."""

from __future__ import annotations

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.cli.progress import terminal_progress
from mirrormanager.db.locks import job_lock
from mirrormanager.scanner.service import ScanOptions, ScanResult, scan


def print_scan_summary(result: ScanResult) -> None:
    for c in result.categories:
        if c.ok:
            click.echo(
                f"{c.name}: {c.directories} directories ({c.listed} read, {c.added} new, "
                f"{c.vanished} vanished, {c.deleted} deleted), {len(c.repositories)} new "
                f"repositories, {len(c.versions)} new versions, {c.file_details} new file "
                f"details, {len(c.problems)} problems, {c.seconds:.1f}s from {c.source}"
            )
        else:
            click.echo(f"{c.name}: FAILED: {c.error}", err=True)
    if result.pruned_file_details:
        click.echo(f"pruned {result.pruned_file_details} old file details")


@click.command("umdl")
@config_option
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="NAME",
    help="Scan only this category (repeatable). Default: all configured.",
)
@click.option(
    "--delete",
    "--delete-directories",
    "delete",
    is_flag=True,
    help="Delete vanished directories from the database (default: mark unreadable).",
)
@click.option(
    "--skip-fullfiletimelist",
    is_flag=True,
    help="Walk the disk even where a fullfiletimelist-* file exists.",
)
@click.option(
    "--force", is_flag=True, help="Accept more than half of a category vanishing at once."
)
def umdl(
    categories: tuple[str, ...], delete: bool, skip_fullfiletimelist: bool, force: bool
) -> int:
    """Scan the master tree: directories, repositories, versions and repomd.xml hashes."""
    app = app_context()
    settings = app.settings
    for name in categories:
        settings.category(name)  # unknown names fail before any work
    with job_lock(app.engine, "umdl", what="master tree scan (umdl)"):
        session = app.session()
        with terminal_progress(not app.debug) as progress:
            result = scan(
                session,
                settings,
                ScanOptions(
                    categories=categories,
                    delete=delete,
                    force=force,
                    use_timelist=not skip_fullfiletimelist,
                ),
                progress=progress,
            )
        session.close()
    print_scan_summary(result)
    return result.exit_code
