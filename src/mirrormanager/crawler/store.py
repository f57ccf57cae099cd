"""Write one host's crawl outcome to the database, all of it in one transaction.

Failure policy (MirrorManager2's, with its bugs fixed):

* a category judged over some URL updates its HostCategoryDir rows (plan_row_changes),
  including the short list of differing files of each stale directory the mirror holds
  (``differing_files``; NULL when current, unknown or too many);
* a category that could not be crawled keeps every row as it was;
* a host whose time limit ran out gets the categories it had not finished marked stale
  (a mirror that cannot be read in time should not be handed to clients) and a failure;
* a host with no crawlable category gets a failure; after ``auto_disable`` consecutive
  failures it is disabled (``user_active`` False, ``disabled_by_crawler`` True, a reason);
* a successful crawl resets the counter and re-enables only a host the crawler disabled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from mirrormanager.crawler.compare import plan_row_changes
from mirrormanager.crawler.model import CategoryOutcome, CrawlOptions, HostOutcome, HostStatus
from mirrormanager.db.base import NullableJsonType
from mirrormanager.db.models import Host, HostCategoryDir

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoreResult:
    disabled: bool = False
    reenabled: bool = False
    stale_marked: int = 0
    reason: str | None = None


def disable_reason(failures: int, error: str | None) -> str:
    return f"Disabled by the crawler after {failures} consecutive failed crawls" + (
        f"; last error: {error}" if error else ""
    )


def store_outcome(
    session: Session, outcome: HostOutcome, options: CrawlOptions, finished: dt.datetime
) -> StoreResult:
    """Apply ``outcome`` and commit; on any error roll back so the host stays untouched."""
    try:
        result = _apply(session, outcome, options, finished)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _apply(
    session: Session, outcome: HostOutcome, options: CrawlOptions, finished: dt.datetime
) -> StoreResult:
    host = session.get(Host, outcome.host.id)
    if host is None:
        return StoreResult()  # deleted while we crawled it
    stale_marked = 0
    for category in outcome.categories:
        if category.ok:
            _write_verdicts(session, category, finished)
        elif outcome.status is HostStatus.TIMEOUT and not category.plan.always_up2date:
            stale_marked += _mark_stale(session, category.plan.host_category_id, finished)
    host.last_crawled = finished
    host.last_crawl_requests = outcome.requests
    if not options.repodata_only and outcome.status is not HostStatus.UNKNOWN:
        # Failed and timed-out crawls too (as MirrorManager2): a host that ran out of
        # time is the longest to crawl, and the next crawl should start it first.
        host.last_crawl_duration = round(outcome.seconds, 3)
    if outcome.reachable is not None:
        host.reachable_ipv4, host.reachable_ipv6 = outcome.reachable
    disabled = reenabled = False
    if outcome.status is HostStatus.OK:
        host.crawl_failures = 0
        errors = [f"{c.plan.name}: {c.error}" for c in outcome.categories if c.error]
        host.last_crawl_error = "; ".join(errors) or None
        if not host.user_active and host.disabled_by_crawler:
            host.user_active = True
            host.disabled_by_crawler = False
            host.disable_reason = None
            reenabled = True
    elif outcome.status in (HostStatus.FAILED, HostStatus.TIMEOUT):
        host.crawl_failures = (host.crawl_failures or 0) + 1
        host.last_crawl_error = outcome.reason
        if host.crawl_failures >= options.auto_disable and host.user_active:
            host.user_active = False
            host.disabled_by_crawler = True
            host.disable_reason = disable_reason(host.crawl_failures, outcome.reason)
            disabled = True
    session.flush()
    return StoreResult(disabled, reenabled, stale_marked, host.disable_reason)


def _write_verdicts(session: Session, category: CategoryOutcome, now: dt.datetime) -> None:
    hc_id = category.plan.host_category_id
    existing = {
        directory_id: (row_id, up2date)
        for row_id, directory_id, up2date in session.execute(
            select(HostCategoryDir.id, HostCategoryDir.directory_id, HostCategoryDir.up2date).where(
                HostCategoryDir.host_category_id == hc_id
            )
        )
    }
    changes = plan_row_changes(
        existing, category.verdicts, complete=category.complete, differing=category.differing
    )
    paths = {d.directory_id: d.path for d in category.plan.dirs}
    rows: list[dict[str, object]] = [
        {
            "host_category_id": hc_id,
            "directory_id": directory_id,
            "path": paths.get(directory_id, ""),
            "up2date": True,
            "last_checked": now,
            "differing_files": None,
        }
        for directory_id in changes.insert
    ]
    rows += [
        {
            "host_category_id": hc_id,
            "directory_id": directory_id,
            "path": paths.get(directory_id, ""),
            "up2date": False,
            "last_checked": now,
            "differing_files": list(names),
        }
        for directory_id, names in changes.insert_partial
    ]
    if rows:
        session.execute(insert(HostCategoryDir), rows)
    _update(session, changes.touched, {"last_checked": now})
    _update(session, changes.mark_current, {"up2date": True, "differing_files": None})
    _update(session, changes.mark_stale, {"up2date": False})
    _write_differing(session, changes.differing)


def _write_differing(session: Session, lists: Sequence[tuple[int, tuple[str, ...] | None]]) -> None:
    """Store each stale row's differing files: NULL in bulk, the short lists one by one
    (few: most stale rows are stale as a whole)."""
    _update(
        session, [row_id for row_id, names in lists if names is None], {"differing_files": None}
    )
    named = [{"row_id": row_id, "names": list(names)} for row_id, names in lists if names]
    if named:  # executemany of a Core statement: the ORM's bulk UPDATE wants no WHERE
        session.connection().execute(
            update(HostCategoryDir)
            .where(HostCategoryDir.id == bindparam("row_id"))
            .values(differing_files=bindparam("names", type_=NullableJsonType)),
            named,
        )


def _mark_stale(session: Session, host_category_id: int, now: dt.datetime) -> int:
    result = session.execute(
        update(HostCategoryDir)
        .where(HostCategoryDir.host_category_id == host_category_id, HostCategoryDir.up2date)
        .values(up2date=False, last_checked=now, differing_files=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _update(session: Session, row_ids: Sequence[int], values: dict[str, object]) -> None:
    for start in range(0, len(row_ids), _CHUNK):
        session.execute(
            update(HostCategoryDir)
            .where(HostCategoryDir.id.in_(row_ids[start : start + _CHUNK]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
