"""People: accounts, groups, site administrators, API tokens and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mirrormanager.db.base import Base, IdMixin, JsonType, utcnow


class User(IdMixin, Base):
    __tablename__ = "mm_user"

    username: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: OIDC-only account
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login: Mapped[dt.datetime | None]

    groups: Mapped[list[Group]] = relationship(secondary="mm_user_group", viewonly=True)


class Group(IdMixin, Base):
    __tablename__ = "mm_group"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(255))


class UserGroup(Base):
    __tablename__ = "mm_user_group"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("mm_user.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("mm_group.id", ondelete="CASCADE"), primary_key=True
    )


class SiteAdmin(IdMixin, Base):
    __tablename__ = "site_admin"
    __table_args__ = (UniqueConstraint("site_id", "user_id"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("mm_user.id", ondelete="CASCADE"), index=True)


class ApiToken(IdMixin, Base):
    """A revocable token for the JSON API; only its hash is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("mm_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]  # None: until revoked


class AuditLog(IdMixin, Base):
    """Who changed what, and when."""

    __tablename__ = "audit_log"

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("mm_user.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(100))  # kept if the user is deleted
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    summary: Mapped[str | None] = mapped_column(Text)


class AuthThrottle(IdMixin, Base):
    """Failed authentications of one account, site or client address, and its lock.

    Kept in the database (not in a process) so every web worker and check-in server
    process sees the same counters; see `mirrormanager.db.throttle`.
    """

    __tablename__ = "auth_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    scope: Mapped[str] = mapped_column(String(20))  # login-user, login-addr, checkin-site, …
    key: Mapped[str] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    locked_until: Mapped[dt.datetime | None]
