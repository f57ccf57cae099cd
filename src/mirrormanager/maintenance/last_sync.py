"""How old is each mirror's content: the `last-sync` report.

For every active host (host and site admin- and user-active, as the snapshot counts them):
when it was last proven current (the later of its last crawl and its last check-in), how
many of its directories are up to date, and the newest repomd.xml it is current for (the
newest ``FileDetail`` of ``repomd.xml`` in a ``…/repodata`` directory the host has
``up2date``, or any of its category when the host category is ``always_up2date``).

A host's age is the time since it was last proven current; a host never crawled nor
checked in is the oldest of all. The repomd.xml age is reported beside it, not used for
the ordering: a mirror that carries only an old release is current with an old repomd.xml.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mirrormanager.db.models import (
    CategoryDirectory,
    Directory,
    FileDetail,
    Host,
    HostCategory,
    HostCategoryDir,
    Site,
)
from mirrormanager.db.models.mirrors import host_is_active

REPOMD = "repomd.xml"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every time MirrorManager stores is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class HostSync:
    host_id: int
    name: str
    site: str
    private: bool
    last_crawled: dt.datetime | None
    last_checked_in: dt.datetime | None
    directories: int
    up_to_date: int
    always_up2date: bool
    newest_repomd: dt.datetime | None  # timestamp of the newest repomd.xml it is current for

    @property
    def last_seen(self) -> dt.datetime | None:
        """When the host was last proven current: its last crawl or check-in."""
        times = [t for t in (self.last_crawled, self.last_checked_in) if t is not None]
        return max(times) if times else None

    @property
    def share_up_to_date(self) -> float | None:
        return self.up_to_date / self.directories if self.directories else None

    def age_hours(self, now: dt.datetime) -> float | None:
        """Hours since the host was last proven current; None when it never was."""
        seen = self.last_seen
        return None if seen is None else _hours(now - seen)

    def repomd_age_hours(self, now: dt.datetime) -> float | None:
        return None if self.newest_repomd is None else _hours(now - self.newest_repomd)

    def older_than(self, hours: float, now: dt.datetime) -> bool:
        age = self.age_hours(now)
        return age is None or age > hours

    def as_json(self, now: dt.datetime) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        share = self.share_up_to_date
        return {
            "host_id": self.host_id,
            "host": self.name,
            "site": self.site,
            "private": self.private,
            "last_crawled": iso(self.last_crawled),
            "last_checked_in": iso(self.last_checked_in),
            "last_seen": iso(self.last_seen),
            "age_hours": rounded(self.age_hours(now)),
            "directories": self.directories,
            "up_to_date": self.up_to_date,
            "share_up_to_date": rounded(share),
            "always_up2date": self.always_up2date,
            "newest_repomd": iso(self.newest_repomd),
            "repomd_age_hours": rounded(self.repomd_age_hours(now)),
        }


@dataclass(frozen=True, slots=True)
class LastSyncReport:
    now: dt.datetime
    hosts: tuple[HostSync, ...]  # oldest first

    def older_than(self, hours: float) -> tuple[HostSync, ...]:
        return tuple(h for h in self.hosts if h.older_than(hours, self.now))


def _sort_key(host: HostSync) -> tuple[int, dt.datetime, float, str, int]:
    seen = host.last_seen
    share = host.share_up_to_date
    return (
        0 if seen is None else 1,
        seen or dt.datetime.min.replace(tzinfo=dt.UTC),
        -1.0 if share is None else share,
        host.name,
        host.host_id,
    )


def _newest_repomd(session: Session) -> dict[int, int]:
    """Host id -> timestamp of the newest repomd.xml in a directory it is current for."""
    stamps = select(HostCategory.host_id, func.max(FileDetail.timestamp))
    by_dirs = _repomd_of(
        stamps.select_from(HostCategoryDir).join(
            HostCategory, HostCategory.id == HostCategoryDir.host_category_id
        ),
        HostCategoryDir.directory_id,
        HostCategoryDir.up2date.is_(True),
    )
    # An always_up2date host category is current for every directory of its category.
    by_category = _repomd_of(
        stamps.select_from(HostCategory).join(
            CategoryDirectory, CategoryDirectory.category_id == HostCategory.category_id
        ),
        CategoryDirectory.directory_id,
        HostCategory.always_up2date.is_(True),
    )
    newest: dict[int, int] = {}
    for query in (by_dirs, by_category):
        for host_id, timestamp in session.execute(query):
            if timestamp is not None:
                newest[host_id] = max(newest.get(host_id, timestamp), int(timestamp))
    return newest


def _repomd_of(
    carried: Select[int, int],
    directory_id: InstrumentedAttribute[int],
    current: ColumnElement[bool],
) -> Select[int, int]:
    """`carried` (host categories and the directory ids they reach) narrowed to the
    repodata directories that are ``current``, grouped per host; both ways a host carries
    a directory meet the same repomd.xml rule here."""
    return (
        carried.join(Directory, Directory.id == directory_id)
        .join(FileDetail, FileDetail.directory_id == Directory.id)
        .where(current, FileDetail.filename == REPOMD, Directory.name.endswith("/repodata"))
        .group_by(HostCategory.host_id)
    )


def last_sync_report(session: Session, *, now: dt.datetime | None = None) -> LastSyncReport:
    """The report for every active host, oldest first (never seen first of all)."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    hosts = session.execute(
        select(
            Host.id,
            Host.name,
            Site.name,
            Host.private | Site.private,
            Host.last_crawled,
            Host.last_checked_in,
        )
        .join(Site, Site.id == Host.site_id)
        .where(*host_is_active())
    ).all()
    counts = {
        host_id: (int(total), int(current or 0))
        for host_id, total, current in session.execute(
            select(
                HostCategory.host_id,
                func.count(HostCategoryDir.id),
                func.sum(case((HostCategoryDir.up2date.is_(True), 1), else_=0)),
            )
            .join(HostCategory, HostCategory.id == HostCategoryDir.host_category_id)
            .group_by(HostCategory.host_id)
        )
    }
    always = set(
        session.scalars(select(HostCategory.host_id).where(HostCategory.always_up2date.is_(True)))
    )
    newest = _newest_repomd(session)
    rows = []
    for host_id, name, site, private, crawled, checked_in in hosts:
        total, current = counts.get(host_id, (0, 0))
        stamp = newest.get(host_id)
        rows.append(
            HostSync(
                host_id=host_id,
                name=name,
                site=site,
                private=bool(private),
                last_crawled=_utc(crawled),
                last_checked_in=_utc(checked_in),
                directories=total,
                up_to_date=current,
                always_up2date=host_id in always,
                newest_repomd=None if stamp is None else dt.datetime.fromtimestamp(stamp, dt.UTC),
            )
        )
    return LastSyncReport(now, tuple(sorted(rows, key=_sort_key)))


def format_age(hours: float | None) -> str:
    """``3d4h``, ``5h12m``, ``42m``; ``never`` for None."""
    if hours is None:
        return "never"
    minutes = max(0, round(hours * 60))
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return f"{days}d{rest // 60}h"
    if rest >= 60:
        return f"{rest // 60}h{rest % 60:02d}m"
    return f"{rest}m"
