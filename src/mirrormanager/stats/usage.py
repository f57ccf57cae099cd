"""Usage statistics for the public page: per day, top countries/repos/arches, releases."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import AccessStat

TOP = 15
MAX_RANGE_DAYS = 400


@dataclass(slots=True)
class Usage:
    start: dt.date
    end: dt.date
    total: int = 0
    per_day: list[tuple[str, int]] = field(default_factory=list)  # every day of the range
    countries: list[tuple[str, int]] = field(default_factory=list)
    repos: list[tuple[str, int]] = field(default_factory=list)
    arches: list[tuple[str, int]] = field(default_factory=list)
    releases: list[tuple[str, int]] = field(default_factory=list)  # "Fedora 41", …
    first_day: dt.date | None = None  # of all data, for the date pickers
    last_day: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        def pairs(items: list[tuple[str, int]], key: str) -> list[dict[str, Any]]:
            return [{key: k, "requests": v} for k, v in items]

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total_requests": self.total,
            "per_day": pairs(self.per_day, "date"),
            "countries": pairs(self.countries, "country"),
            "repositories": pairs(self.repos, "repo"),
            "arches": pairs(self.arches, "arch"),
            "releases": pairs(self.releases, "release"),
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["kind", "key", "requests"])
        for kind, items in (
            ("day", self.per_day),
            ("country", self.countries),
            ("repository", self.repos),
            ("arch", self.arches),
            ("release", self.releases),
        ):
            writer.writerows((kind, key, value) for key, value in items)
        return out.getvalue()


def data_range(session: Session) -> tuple[dt.date | None, dt.date | None]:
    first, last = session.execute(
        select(func.min(AccessStat.date), func.max(AccessStat.date))
    ).one()
    return first, last


def default_range(session: Session, days: int = 30) -> tuple[dt.date, dt.date]:
    """The last `days` days that have data (fewer when the data is younger)."""
    first, last = data_range(session)
    end = last or dt.datetime.now(dt.UTC).date()
    start = end - dt.timedelta(days=days - 1)
    return (max(start, first) if first else start), end


def usage(session: Session, start: dt.date, end: dt.date, *, top: int = TOP) -> Usage:
    """Statistics of the days start..end (inclusive)."""
    if end < start:
        start, end = end, start
    start = max(start, end - dt.timedelta(days=MAX_RANGE_DAYS - 1))
    result = Usage(start, end)
    result.first_day, result.last_day = data_range(session)
    in_range = (AccessStat.date >= start, AccessStat.date <= end)
    total = func.sum(AccessStat.requests)
    by_day: dict[dt.date, int] = {
        day: int(value or 0)
        for day, value in session.execute(
            select(AccessStat.date, total).where(*in_range).group_by(AccessStat.date)
        )
    }
    day = start
    while day <= end:
        result.per_day.append((day.isoformat(), int(by_day.get(day, 0) or 0)))
        day += dt.timedelta(days=1)
    result.total = sum(v for _, v in result.per_day)

    def top_of(column: Any) -> list[tuple[str, int]]:
        rows = session.execute(
            select(column, total)
            .where(*in_range)
            .group_by(column)
            .order_by(total.desc(), column)
            .limit(top)
        )
        return [(str(key) if key else "unknown", int(value)) for key, value in rows]

    result.countries = top_of(AccessStat.country)
    result.repos = top_of(AccessStat.repo)
    result.arches = top_of(AccessStat.arch)
    releases = session.execute(
        select(AccessStat.product, AccessStat.version, total)
        .where(*in_range)
        .group_by(AccessStat.product, AccessStat.version)
        .order_by(total.desc())
    )
    result.releases = [
        (f"{product} {version}" if product else "other", int(value))
        for product, version, value in releases
    ]
    return result
