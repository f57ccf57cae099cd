"""API tokens: created for a user (by that user, or by an admin), listed, revoked."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.base import utcnow
from mirrormanager.db.models import ApiToken, User
from mirrormanager.errors import Forbidden, Invalid, NotFound
from mirrormanager.manage import access
from mirrormanager.manage.actor import Actor, record
from mirrormanager.manage.fields import Field, clean_value

API_TOKEN_PREFIX = "mmt_"  # noqa: S105 - a visible marker, not a secret
MAX_EXPIRES_DAYS = 3650
_NAME = Field(str, max_length=100)
_DAYS = Field(int, nullable=True, low=1, high=MAX_EXPIRES_DAYS)


def new_api_token() -> tuple[str, str]:
    """(token to show once, hash to store). Tokens are long and random, so a fast hash is
    enough: only the SHA-256 is stored."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_api_token(token)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _for_user(actor: Actor, user: User) -> None:
    # A user manages their own tokens; only an admin (or the system) acts for another user.
    if not actor.is_admin and actor.user_id != user.id:
        raise Forbidden("a token can only be made or seen by its own user", field="user")


def create_token(
    session: Session, actor: Actor, user: User, name: str, *, expires_days: int | None = None
) -> tuple[str, ApiToken]:
    """A new token; returns (the secret, shown once; the stored row)."""
    _for_user(actor, user)
    name = clean_value("name", _NAME, name)
    days = clean_value("expires_days", _DAYS, expires_days)
    token, token_hash = new_api_token()
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash)
    if days is not None:
        row.expires_at = utcnow() + dt.timedelta(days=days)
    session.add(row)
    session.flush()
    who = "" if actor.user_id == user.id else f" for {user.username}"
    record(session, actor, "create", row, f"API token {row.name!r} created{who}")
    return token, row


def list_tokens(session: Session, actor: Actor, user: User) -> list[ApiToken]:
    _for_user(actor, user)
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
    return list(session.scalars(stmt))


def token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    row = access.get(session, ApiToken, token_id, "API token")
    if not actor.is_admin and row.user_id != actor.user_id:
        raise NotFound(f"no API token with id {token_id}")
    return row


def revoke_token(session: Session, actor: Actor, row: ApiToken) -> bool:
    """Revoke; False when it was revoked already."""
    token(session, actor, row.id)
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record(session, actor, "revoke", row, f"API token {row.name!r} revoked")
    return True


def token_problem(row: ApiToken, now: dt.datetime) -> str | None:
    """Why a presented token does not authenticate, or None."""
    if row.revoked_at is not None:
        return "The token is unknown or revoked."
    expires = row.expires_at
    if expires is not None:
        expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
        if expires <= now:
            return "The token has expired; make a new one."
    return None


def require_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise Invalid(f"No user named {username!r}.", field="user")
    return user
