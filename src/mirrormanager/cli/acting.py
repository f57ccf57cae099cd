"""What the site/host/url/token commands share: `--as USER`, one transaction, `--json`,
`delete --dry-run`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.errors import InputError
from mirrormanager.manage.actor import SYSTEM, Actor, actor_for, system_actor
from mirrormanager.manage.deletion import DeleteSummary
from mirrormanager.manage.users import find_user

F = TypeVar("F", bound=Callable[..., Any])


def acting_options(func: F) -> F:
    """`--as USER` and the global options on a command."""
    func = click.option(
        "--as",
        "as_user",
        metavar="USER",
        default=None,
        help=(
            "Act as this user, with their permissions (default: the system, an admin "
            f'recorded as "{SYSTEM}" in the audit log).'
        ),
    )(func)
    return config_option(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def dry_run_option(func: F) -> F:
    """`--dry-run` of a delete: `acting(dry_run=True)` rolls it back after counting."""
    return click.option(
        "--dry-run", is_flag=True, help="Say what would be deleted; change nothing."
    )(func)


def say_deleted(kind: str, name: str, summary: DeleteSummary, *, dry_run: bool) -> None:
    """The line a delete ends with; scripts read it, so `--dry-run` changes only the verb."""
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {kind} {name} with its {summary.text()}")


@contextmanager
def acting(as_user: str | None, *, dry_run: bool = False) -> Iterator[tuple[Session, Actor]]:
    """A session and the actor; commits when the block ends (rolls back on an error or with
    `dry_run`), so each command is one transaction."""
    app = app_context()
    session = app.session()
    try:
        if as_user is None:
            actor = system_actor(app.settings)
        else:
            user = find_user(session, as_user)
            if user is None or not user.active:
                raise InputError(f"--as: no active user named {as_user!r}")
            actor = actor_for(session, user, app.settings, via="cli")
        yield session, actor
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        app.engine.dispose()  # one command, one process: no pool to keep


def emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        click.echo(text())
