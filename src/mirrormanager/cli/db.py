"""`mirrormanager db …`: schema migrations."""

from __future__ import annotations

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.db import migrate
from mirrormanager.errors import DatabaseError


@click.group("db")
def db() -> None:
    """Create and migrate the database schema."""


@db.command("upgrade")
@config_option
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Migrate the database to the newest schema (creates it when empty)."""
    app = app_context()
    migrate.upgrade(app.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(app.engine)}")


@db.command("current")
@config_option
def current() -> None:
    """Print the schema revision of the database."""
    app = app_context()
    click.echo(migrate.current_revision(app.engine) or "none (run `mirrormanager db upgrade`)")


@db.command("check")
@config_option
def check() -> None:
    """Fail when the models and the migrated schema differ (CI runs this)."""
    app = app_context()
    migrate.require_current(app.engine)
    differences = migrate.drift(app.engine)
    if differences:
        for diff in differences:
            click.echo(f"  {diff}", err=True)
        raise DatabaseError(
            f"{len(differences)} differences between models and migrations",
            hint="write a migration for them",
        )
    click.echo("models and migrations agree")
