"""Propagation overview: per repository, how many mirrors had its current repomd.xml over
time (PropagationStat, written by the crawler), and which mirrors are slowest to crawl."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Host, PropagationStat, Repository, Site

BUCKETS = ("current", "one_behind", "older", "failed", "no_info")


@dataclass(frozen=True, slots=True)
class TrackedRepository:
    id: int
    prefix: str
    name: str
    samples: int
    last: dt.datetime


@dataclass(frozen=True, slots=True)
class SlowHost:
    host: str
    site: str
    country: str
    seconds: float
    last_crawled: dt.datetime | None


def tracked_repositories(session: Session) -> list[TrackedRepository]:
    rows = session.execute(
        select(
            Repository.id,
            Repository.prefix,
            Repository.name,
            func.count(PropagationStat.id),
            func.max(PropagationStat.at),
        )
        .join(PropagationStat, PropagationStat.repository_id == Repository.id)
        .group_by(Repository.id, Repository.prefix, Repository.name)
        .order_by(Repository.prefix, Repository.name)
    )
    return [
        TrackedRepository(rid, prefix or "", name, int(samples), last)
        for rid, prefix, name, samples, last in rows
    ]


def history(session: Session, repository_id: int, since: dt.datetime) -> list[dict[str, Any]]:
    """One point per crawl since `since`: time and the five bucket counts."""
    rows = session.scalars(
        select(PropagationStat)
        .where(PropagationStat.repository_id == repository_id, PropagationStat.at >= since)
        .order_by(PropagationStat.at)
    )
    return [
        {"at": _iso(row.at), **{bucket: getattr(row, bucket) for bucket in BUCKETS}} for row in rows
    ]


def slowest_hosts(session: Session, limit: int = 20) -> list[SlowHost]:
    rows = session.execute(
        select(Host.name, Site.name, Host.country, Host.last_crawl_duration, Host.last_crawled)
        .join(Site, Host.site_id == Site.id)
        .where(
            and_(
                Host.last_crawl_duration.is_not(None),
                Host.admin_active,
                Host.user_active,
                ~Host.private,
                ~Site.private,
            )
        )
        .order_by(Host.last_crawl_duration.desc(), Host.name)
        .limit(limit)
    )
    return [SlowHost(h, s, c, float(d or 0.0), last) for h, s, c, d, last in rows]


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
