"""`mirrormanager token …`: API tokens for scripts (shown once, stored hashed)."""

from __future__ import annotations

import click

from mirrormanager.cli.acting import acting, acting_options, emit, json_option
from mirrormanager.manage import present, tokens


@click.group("token")
def token() -> None:
    """Create, list and revoke API tokens."""


@token.command("create")
@acting_options
@click.argument("username", metavar="USER")
@click.option("--name", default=None, help='What the token is for (default: "cli").')
@click.option(
    "--expires",
    "expires_days",
    type=int,
    default=None,
    metavar="DAYS",
    help="Stop working after DAYS days (default: until revoked).",
)
def create(username: str, name: str | None, expires_days: int | None, as_user: str | None) -> None:
    """A new token for USER; prints it once (keep it: only its hash is stored)."""
    with acting(as_user) as (session, actor):
        user = tokens.require_user(session, username)
        secret, row = tokens.create_token(
            session, actor, user, name or "cli", expires_days=expires_days
        )
        click.echo(f"token {row.id} for {user.username}: {secret}", err=True)
    click.echo(secret)


@token.command("list")
@acting_options
@json_option
@click.argument("username", metavar="USER")
def list_(username: str, as_json: bool, as_user: str | None) -> None:
    """USER's tokens (never the secrets)."""
    with acting(as_user) as (session, actor):
        user = tokens.require_user(session, username)
        data = [present.token_dict(t) for t in tokens.list_tokens(session, actor, user)]

    def text() -> str:
        lines = []
        for d in data:
            status = "revoked" if d["revoked_at"] else f"expires {d['expires_at'] or 'never'}"
            lines.append(f"{d['id']}\t{d['name']}\t{status}\tlast used {d['last_used'] or '-'}")
        return "\n".join(lines) or "no tokens"

    emit(data, as_json, text)


@token.command("revoke")
@acting_options
@click.argument("token_id", metavar="ID", type=int)
def revoke(token_id: int, as_user: str | None) -> None:
    """Revoke the token ID; scripts using it stop working."""
    with acting(as_user) as (session, actor):
        row = tokens.token(session, actor, token_id)
        done = tokens.revoke_token(session, actor, row)
    click.echo(f"token {token_id} {'revoked' if done else 'was revoked already'}")
