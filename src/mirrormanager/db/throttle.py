"""Exponential back-off after failed authentications, shared by every server process.

A key is (scope, value): ``("login-user", "alice")``, ``("login-addr", "192.0.2.7")``,
``("checkin-site", "Example U")``, ``("token-addr", …)``. After ``free_failures`` failures
of one key, each further attempt must wait ``base_seconds * 2**(failures - free_failures)``
(at most ``max_seconds``). A waiting attempt is refused before any password is hashed, and
refused attempts do not count: an attacker cannot push the wait of a victim's account
beyond the cap, and each lock costs the server one hash, not one per request.

The counters live in the ``auth_throttle`` table (one atomic ``INSERT … ON CONFLICT``
per failure, on SQLite and PostgreSQL alike), so several web workers and check-in servers
share them; an in-process counter would let a client spread its guesses over the workers.
Each new lock writes one AuditLog row. The caller commits.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from mirrormanager.db.base import utcnow
from mirrormanager.db.models import AuditLog, AuthThrottle
from mirrormanager.settings import Settings

Key = tuple[str, str]
_KEY_CHARS = 255


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 900.0
    forget_seconds: float = 86400.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            free_failures=settings.auth_throttle_failures,
            base_seconds=settings.auth_throttle_base_seconds,
            max_seconds=settings.auth_throttle_max_seconds,
            forget_seconds=settings.auth_throttle_forget_hours * 3600,
        )

    def lock_seconds(self, failures: int) -> float:
        """How long a key with ``failures`` failures waits (0: not at all)."""
        if failures < self.free_failures:
            return 0.0
        exponent = min(failures - self.free_failures, 62)
        return min(self.max_seconds, self.base_seconds * 2.0**exponent)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _clean(keys: Sequence[Key]) -> list[Key]:
    return [(scope, value[:_KEY_CHARS]) for scope, value in keys]


def retry_after(session: Session, keys: Sequence[Key], now: dt.datetime | None = None) -> int:
    """Whole seconds until every key may try again; 0 when none is locked."""
    now = now or utcnow()
    wait = 0.0
    for scope, value in _clean(keys):
        until = session.scalar(
            select(AuthThrottle.locked_until).where(
                AuthThrottle.scope == scope, AuthThrottle.key == value
            )
        )
        if until is not None:
            wait = max(wait, (_aware(until) - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def record_failure(
    session: Session,
    keys: Sequence[Key],
    policy: ThrottlePolicy,
    now: dt.datetime | None = None,
) -> int:
    """Count one failure for each key; lock those past the limit. Returns the longest new
    wait in whole seconds (0: none). Adds one AuditLog row per new lock."""
    now = now or utcnow()
    forgotten = now - dt.timedelta(seconds=policy.forget_seconds)
    session.execute(
        delete(AuthThrottle)
        .where(
            AuthThrottle.last_failure < forgotten,
            (AuthThrottle.locked_until.is_(None)) | (AuthThrottle.locked_until < now),
        )
        .execution_options(synchronize_session=False)
    )
    dialect = session.get_bind().dialect.name
    longest = 0.0
    for scope, value in _clean(keys):
        failures = int(
            session.execute(_count_failure(dialect, scope, value, now, forgotten)).scalar_one()
        )
        seconds = policy.lock_seconds(failures)
        if seconds <= 0:
            continue
        longest = max(longest, seconds)
        session.execute(
            update(AuthThrottle)
            .where(AuthThrottle.scope == scope, AuthThrottle.key == value)
            .values(locked_until=now + dt.timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )
        session.add(
            AuditLog(
                action="lockout",
                object_type=scope,
                summary=f"{scope} {value!r} locked for {seconds:g} s after {failures} "
                "failed attempts",
                details={"scope": scope, "key": value, "failures": failures, "seconds": seconds},
            )
        )
    return math.ceil(longest)


def _count_failure(
    dialect: str, scope: str, value: str, now: dt.datetime, forgotten: dt.datetime
) -> ReturningInsert[Any]:
    """One atomic upsert (several workers may fail at once): failures + 1, or 1 when the
    last failure is forgotten; returns the new count."""
    values = {"scope": scope, "key": value, "failures": 1, "last_failure": now}
    counted = case((AuthThrottle.last_failure < forgotten, 1), else_=AuthThrottle.failures + 1)
    changes = {"failures": counted, "last_failure": now}
    if dialect == "postgresql":
        pg = postgresql.insert(AuthThrottle).values(values)
        return pg.on_conflict_do_update(index_elements=["scope", "key"], set_=changes).returning(
            AuthThrottle.failures
        )
    lite = sqlite.insert(AuthThrottle).values(values)
    return lite.on_conflict_do_update(index_elements=["scope", "key"], set_=changes).returning(
        AuthThrottle.failures
    )


def clear(session: Session, keys: Sequence[Key]) -> None:
    """Forget the failures of ``keys`` (a successful login resets its account)."""
    for scope, value in _clean(keys):
        session.execute(
            delete(AuthThrottle)
            .where(AuthThrottle.scope == scope, AuthThrottle.key == value)
            .execution_options(synchronize_session=False)
        )
