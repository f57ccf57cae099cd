"""Who acts: a user (with or without admin rights) or the system (the CLI's default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from mirrormanager.db.models import AuditLog, User
from mirrormanager.manage import audit
from mirrormanager.manage.users import group_names
from mirrormanager.settings import Settings

SYSTEM = "system"
Via = Literal["web", "api", "cli"]


@dataclass(frozen=True)
class Actor:
    """The acting user, as the permission checks need it.

    `user` None is the system: an admin without an account, recorded as "system" in the
    audit log (the CLI without `--as`). The netblock limits are the settings' (a site admin
    may not claim a large public netblock).
    """

    user: User | None
    is_admin: bool
    via: Via = "web"
    netblock_max_prefix_v4: int = 16
    netblock_max_prefix_v6: int = 32

    @property
    def name(self) -> str:
        return self.user.username if self.user is not None else SYSTEM

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


def system_actor(settings: Settings | None = None, *, via: Via = "cli") -> Actor:
    return Actor(None, True, via, *_limits(settings))


def actor_for(session: Session, user: User, settings: Settings, *, via: Via = "web") -> Actor:
    """The actor for `user`: an admin when active and in `settings.admin_group`."""
    admin = bool(user.active) and settings.admin_group in group_names(session, user)
    return Actor(user, admin, via, *_limits(settings))


def _limits(settings: Settings | None) -> tuple[int, int]:
    if settings is None:
        return 16, 32
    return settings.web_netblock_max_prefix_v4, settings.web_netblock_max_prefix_v6


def record(
    session: Session, actor: Actor, action: str, obj: Any, summary: str, **details: Any
) -> AuditLog:
    """One audit row for a change by `actor` (the API and CLI mark their summaries)."""
    suffix = {"web": "", "api": " (API)", "cli": " (CLI)"}[actor.via]
    row = audit.record(session, actor.user, action, obj, summary + suffix, **details)
    row.username = actor.name
    return row
