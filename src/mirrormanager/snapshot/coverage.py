"""Per-file precision for the snapshot: partial hosts and verdicts older than files.

Two facts make a directory's host set wrong for one file of it (issue 13 part 5):

* a stale copy that lacks only a few files (``HostCategoryDir.differing_files``, written by
  the crawler) still serves every other file: its host is a *partial* host of the
  directory, with those names as its *missing* files;
* a verdict (up to date, or partial) covers only the files the master listed when it was
  made. A file whose master mtime is later than the verdict (``last_checked``) cannot have
  been checked; the host is not offered for it until the next crawl. Only directories
  whose ctime is later than their oldest verdict can hold such files: the host-set scan
  returns that oldest verdict, and only those directories' rows are read again.
  A row without ``last_checked`` (rows marked by hand, imports) vouches for every file.

Both are small at any scale: a few rows per stale mirror, and only directories that
changed since their last crawl. Name sets are interned (many hosts miss the same files).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mirrormanager.crawler.compare import bounded_differences, master_files
from mirrormanager.db.models import Directory, HostCategoryDir
from mirrormanager.snapshot.hosts import HostCategories, HostPair, epoch

_CHUNK = 500


@dataclass(slots=True)
class Coverage:
    """What the builder adds to each DirectoryEntry (all keyed by directory id)."""

    partial: dict[int, tuple[HostPair, ...]] = field(default_factory=dict)
    missing: dict[int, dict[int, frozenset[str]]] = field(default_factory=dict)
    recent: dict[int, dict[str, int]] = field(default_factory=dict)
    verified: dict[int, dict[int, int]] = field(default_factory=dict)


def read_coverage(
    session: Session,
    hcs: HostCategories,
    dir_categories: dict[int, list[int]],
    exclusive: dict[int, set[int]],
    carried: dict[int, tuple[HostPair, ...]],
    oldest_verdicts: dict[int, int],
    *,
    limit: int,
) -> Coverage:
    """``oldest_verdicts``: directory id -> epoch of its oldest up-to-date verdict (from the
    host-set scan, so finding the directories to look at costs no second scan)."""
    coverage = Coverage()
    partial_verdicts = _read_partial(
        session, hcs, dir_categories, exclusive, carried, limit, coverage
    )
    _read_recent(session, hcs, carried, oldest_verdicts, partial_verdicts, coverage)
    return coverage


def _usable(
    hc: int,
    dir_id: int,
    hcs: HostCategories,
    dir_categories: dict[int, list[int]],
    exclusive: dict[int, set[int]],
) -> bool:
    """The same rules as carried_directories: an active host category with public URLs,
    of one of the directory's categories, and allowed by DirectoryExclusiveHost."""
    host = hcs.host.get(hc)
    if host is None or hcs.category[hc] not in dir_categories.get(dir_id, ()):
        return False
    only = exclusive.get(dir_id)
    return only is None or host in only


def _read_partial(
    session: Session,
    hcs: HostCategories,
    dir_categories: dict[int, list[int]],
    exclusive: dict[int, set[int]],
    carried: dict[int, tuple[HostPair, ...]],
    limit: int,
    coverage: Coverage,
) -> dict[int, int]:
    """Fill the partial hosts; return directory id -> oldest verdict among them."""
    verdicts: dict[int, int] = {}
    rows = session.execute(
        select(
            HostCategoryDir.directory_id,
            HostCategoryDir.host_category_id,
            HostCategoryDir.differing_files,
            HostCategoryDir.last_checked,
        )
        .where(HostCategoryDir.up2date.is_(False), HostCategoryDir.differing_files.is_not(None))
        .order_by(HostCategoryDir.directory_id, HostCategoryDir.host_category_id)
    )
    # dir id -> host id -> (host categories, missing names)
    found: dict[int, dict[int, tuple[list[int], frozenset[str]]]] = defaultdict(dict)
    interned: dict[tuple[str, ...], frozenset[str]] = {}
    for dir_id, hc, raw, checked in rows:
        if not _usable(hc, dir_id, hcs, dir_categories, exclusive):
            continue
        host = hcs.host[hc]
        if any(pair[0] == host for pair in carried.get(dir_id, ())):
            continue  # current through another category, or always_up2date
        names = _names(raw, limit)
        if names is None:
            continue
        shared = interned.setdefault(names, frozenset(names))
        if checked is not None:
            when = epoch(checked)
            verdicts[dir_id] = min(when, verdicts.get(dir_id, when))
        seen = found[dir_id].get(host)
        if seen is None:
            found[dir_id][host] = ([hc], shared)
        else:  # two categories of one host: a file is missing when both lack it
            seen[0].append(hc)
            found[dir_id][host] = (seen[0], seen[1] & shared)
    for dir_id, per_host in found.items():
        coverage.partial[dir_id] = tuple(
            hcs.pair(tuple(sorted(ids))) for _host, (ids, _names) in sorted(per_host.items())
        )
        coverage.missing[dir_id] = {host: names for host, (_ids, names) in per_host.items()}
    return verdicts


def _names(raw: Any, limit: int) -> tuple[str, ...] | None:
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        return None
    return bounded_differences(raw, limit)


def _changed_since_a_verdict(
    session: Session, oldest: dict[int, int], partial: dict[int, int]
) -> list[int]:
    """Directories whose ctime is later than their oldest verdict: only they can hold a
    file some host was not checked for."""
    candidates = dict(oldest)
    for dir_id, when in partial.items():
        candidates[dir_id] = min(when, candidates.get(dir_id, when))
    if not candidates:
        return []
    rows = session.execute(
        select(Directory.id, Directory.ctime).execution_options(yield_per=20_000)
    )
    return sorted(
        dir_id
        for dir_id, ctime in rows
        if dir_id in candidates and ctime is not None and ctime > candidates[dir_id]
    )


def _read_recent(
    session: Session,
    hcs: HostCategories,
    carried: dict[int, tuple[HostPair, ...]],
    oldest: dict[int, int],
    partial: dict[int, int],
    coverage: Coverage,
) -> None:
    changed = _changed_since_a_verdict(session, oldest, partial)
    for start in range(0, len(changed), _CHUNK):
        chunk = changed[start : start + _CHUNK]
        # dir id -> host id -> newest verdict of its host categories there
        verdicts: dict[int, dict[int, int]] = defaultdict(dict)
        for dir_id, hc, checked in session.execute(
            select(
                HostCategoryDir.directory_id,
                HostCategoryDir.host_category_id,
                HostCategoryDir.last_checked,
            ).where(
                HostCategoryDir.directory_id.in_(chunk),
                or_(
                    HostCategoryDir.up2date.is_(True),
                    HostCategoryDir.differing_files.is_not(None),
                ),
                HostCategoryDir.last_checked.is_not(None),
            )
        ):
            host = hcs.host.get(hc)
            if host is not None and checked is not None:
                when = epoch(checked)
                verdicts[dir_id][host] = max(when, verdicts[dir_id].get(host, when))
        for dir_id, raw in session.execute(
            select(Directory.id, Directory.files).where(Directory.id.in_(chunk))
        ):
            _recent_files(dir_id, raw, verdicts.get(dir_id, {}), carried, coverage)


def _recent_files(
    dir_id: int,
    raw: Any,
    verdicts: dict[int, int],
    carried: dict[int, tuple[HostPair, ...]],
    coverage: Coverage,
) -> None:
    """The files newer than some offered host's verdict, and those hosts' verdicts."""
    offered = {pair[0] for pair in carried.get(dir_id, ())}
    offered.update(pair[0] for pair in coverage.partial.get(dir_id, ()))
    hosts = {h: v for h, v in verdicts.items() if h in offered}
    if not hosts:
        return
    oldest = min(hosts.values())
    recent = {
        f.name: f.mtime
        for f in master_files(raw if isinstance(raw, list) else None)
        if f.mtime is not None and f.mtime > oldest
    }
    if not recent:
        return
    newest = max(recent.values())
    coverage.recent[dir_id] = recent
    coverage.verified[dir_id] = {h: v for h, v in hosts.items() if v < newest}
