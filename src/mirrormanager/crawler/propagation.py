"""Propagation counts per repository from a crawl: how many mirrors serve the current
repomd.xml, the previous one, something older, or could not be asked."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.crawler.model import HostOutcome
from mirrormanager.db.models import Directory, PropagationStat, Repository

BUCKETS = ("current", "one_behind", "older", "failed", "no_info")


def count_buckets(outcomes: Iterable[HostOutcome]) -> dict[int, Counter[str]]:
    """Repodata directory id -> bucket counts over the crawled hosts (pure).

    A host whose category failed counts as ``failed``; a repodata directory it was not
    asked about (rsync without that file, always_up2date) counts as ``no_info``.
    """
    counts: dict[int, Counter[str]] = {}
    for outcome in outcomes:
        for category in outcome.categories:
            for plan in category.plan.dirs:
                if not plan.is_repodata:
                    continue
                if category.plan.always_up2date:
                    bucket = "no_info"
                elif not category.ok:
                    bucket = "failed"
                else:
                    bucket = category.repomd.get(plan.directory_id, "no_info")
                counts.setdefault(plan.directory_id, Counter())[bucket] += 1
    return counts


def merge_counts(total: dict[int, Counter[str]], more: dict[int, Counter[str]]) -> None:
    for directory_id, counter in more.items():
        total.setdefault(directory_id, Counter()).update(counter)


def write_propagation(session: Session, counts: dict[int, Counter[str]], at: dt.datetime) -> int:
    """Insert one PropagationStat row per repository seen; returns the number of rows."""
    if not counts:
        return 0
    repodata_ids = list(counts)
    names = dict(
        session.execute(
            select(Directory.id, Directory.name).where(Directory.id.in_(repodata_ids))
        ).all()
    )
    parents = {name.rpartition("/")[0]: directory_id for directory_id, name in names.items()}
    rows = session.execute(
        select(Repository.id, Directory.name)
        .join(Directory, Repository.directory_id == Directory.id)
        .where(Directory.name.in_(list(parents)))
    )
    written = 0
    for repository_id, name in rows:
        bucket = counts[parents[name]]
        session.add(
            PropagationStat(
                repository_id=repository_id,
                at=at,
                **{key: bucket.get(key, 0) for key in BUCKETS},
            )
        )
        written += 1
    session.commit()
    return written
