"""The SOP's maintenance commands: move devel to release, move to archive, emergency expire."""

from __future__ import annotations

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.db.locks import job_lock
from mirrormanager.errors import MirrorManagerError
from mirrormanager.maintenance.expire import emergency_expire
from mirrormanager.maintenance.repoint import MoveReport, move_devel_to_release, move_to_archive
from mirrormanager.snapshot.service import build_and_publish


def _print_moves(report: MoveReport) -> None:
    for move in report.moves:
        click.echo(f"{move.prefix or '(no prefix)'} {move.arch or ''}: {move.old} => {move.new}")
    for missing in report.missing:
        click.echo(f"skipped, not in the database: {missing}", err=True)
    verb = "would repoint" if report.dry_run else "repointed"
    click.echo(f"{verb} {len(report.moves)} repositories")


@click.command("move-devel-to-release")
@config_option
@click.option("--version", "version", required=True, help="Release version, e.g. 42.")
@click.option("--category", required=True, help='Category, e.g. "Fedora Linux".')
@click.option("--dry-run", is_flag=True, help="Only list the changes.")
def move_devel_to_release_command(version: str, category: str, dry_run: bool) -> None:
    """Repoint a release's repositories from development/<version> to releases/<version>."""
    app = app_context()
    with job_lock(app.engine, "maintenance", what="maintenance command"):
        session = app.session()
        report = move_devel_to_release(session, version=version, category=category, dry_run=dry_run)
        session.close()
    _print_moves(report)


@click.command("move-to-archive")
@config_option
@click.option(
    "--originalCategory",
    "--original-category",
    "original_category",
    required=True,
    help='Category the repositories are in now, e.g. "Fedora EPEL".',
)
@click.option(
    "--directoryRe",
    "--directory-re",
    "directory_re",
    required=True,
    help="Regular expression on the repository directory, e.g. '/4/'.",
)
@click.option(
    "--archiveCategory",
    "--archive-category",
    "archive_category",
    default="Fedora Archive",
    show_default=True,
)
@click.option("--dry-run", is_flag=True, help="Only list the changes.")
def move_to_archive_command(
    original_category: str, directory_re: str, archive_category: str, dry_run: bool
) -> None:
    """Repoint matching repositories to the same path in the archive category."""
    app = app_context()
    with job_lock(app.engine, "maintenance", what="maintenance command"):
        session = app.session()
        report = move_to_archive(
            session,
            original_category=original_category,
            directory_re=directory_re,
            archive_category=archive_category,
            dry_run=dry_run,
        )
        session.close()
    _print_moves(report)


@click.command("emergency-expire-repo")
@config_option
@click.argument("product", required=False)
@click.argument("version", required=False)
@click.option("--repo", "prefix", help="Repository prefix, e.g. updates-released-f41.")
@click.option("--arch", help="Only this arch of --repo.")
@click.option(
    "--no-snapshot",
    is_flag=True,
    help="Do not rebuild the snapshot afterwards (run `mirrormanager snapshot` yourself).",
)
def emergency_expire_repo_command(
    product: str | None,
    version: str | None,
    prefix: str | None,
    arch: str | None,
    no_snapshot: bool,
) -> None:
    """Mark every mirror's copy of a repository stale at once (bad content was published).

    Name the repository with --repo PREFIX [--arch ARCH], or every repository of a release
    with PRODUCT VERSION (MirrorManager2's form). The snapshot is then rebuilt and published
    so clients see the change at once (unless --no-snapshot).
    """
    app = app_context()
    with job_lock(app.engine, "maintenance", what="maintenance command"):
        session = app.session()
        try:
            report = emergency_expire(
                session, prefix=prefix, arch=arch, product=product, version=version
            )
        finally:
            session.close()
    click.echo(
        f"expired {len(report.repositories)} repositories: {report.host_directories} mirror "
        f"directories marked stale, {report.file_details_dropped} alternates dropped"
    )
    if no_snapshot:
        return
    # The expiry is committed; the snapshot takes its own lock (the hourly build may hold it).
    session = app.session()
    try:
        result = build_and_publish(session, app.settings, app.engine)
    except MirrorManagerError as exc:
        done = "the expiry is done: run `mirrormanager snapshot` to publish it"
        exc.hint = f"{exc.hint}; {done}" if exc.hint else done
        raise
    finally:
        session.close()
    click.echo(result.summary())
