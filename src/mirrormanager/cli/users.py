"""`mirrormanager user add/passwd/grant`: accounts from the command line (the first admin)."""

from __future__ import annotations

import sys

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.web import accounts, audit


def _stdin_line() -> str:
    return sys.stdin.readline().rstrip("\n")


def _password(prompt: str) -> str:
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


@click.group("user")
def user() -> None:
    """Manage web UI accounts."""


@user.command("add")
@config_option
@click.argument("username")
@click.option("--email", default=None, help="E-mail address (for password reset).")
@click.option("--admin", is_flag=True, help="Add the account to the admin group.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
def add(username: str, email: str | None, admin: bool, password_stdin: bool) -> None:
    """Create a local account; asks for its password."""
    app = app_context()
    password = _stdin_line() if password_stdin else (_password("Password"))
    session = app.session()
    with session.begin():
        created = accounts.create_user(
            session, username, email=email, password=password, email_confirmed=bool(email)
        )
        audit.record(session, None, "create", created, f"user {username} created (CLI)")
        if admin:
            accounts.grant(session, created, app.settings.admin_group)
            audit.record(
                session,
                None,
                "grant",
                created,
                f"{username} added to {app.settings.admin_group} (CLI)",
            )
    session.close()
    suffix = f" in group {app.settings.admin_group}" if admin else ""
    click.echo(f"user {username} created{suffix}")


@user.command("passwd")
@config_option
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def passwd(username: str, password_stdin: bool) -> None:
    """Set the password of an account."""
    app = app_context()
    session = app.session()
    with session.begin():
        found = accounts.require_user(session, username)
        password = _stdin_line() if password_stdin else _password("New password")
        accounts.set_password(found, password)
        audit.record(session, None, "change_password", found, f"password of {username} set (CLI)")
    session.close()
    click.echo(f"password of {username} changed")


@user.command("grant")
@config_option
@click.argument("username")
@click.argument("group")
def grant(username: str, group: str) -> None:
    """Add an account to a group (the admin group's name is the `admin_group` setting)."""
    app = app_context()
    session = app.session()
    with session.begin():
        found = accounts.require_user(session, username)
        added = accounts.grant(session, found, group)
        if added:
            audit.record(session, None, "grant", found, f"{username} added to {group} (CLI)")
    session.close()
    click.echo(f"{username} {'added to' if added else 'is already in'} {group}")
