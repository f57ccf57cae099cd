"""Load what `core.host_state` needs for many hosts in a few queries.

The web pages, the API and the CLI call `states()` for the hosts they show; the state
itself is decided in `core.host_state`, never here, so all of them say the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mirrormanager.core.host_state import (
    STALE_PATHS_SHOWN,
    CrawlFacts,
    HostState,
    StaleCategory,
    host_state,
)
from mirrormanager.db.models import Category, Host, HostCategory, HostCategoryDir

_CHUNK = 500


def _stale(
    session: Session, host_ids: Sequence[int], with_paths: bool
) -> dict[int, list[StaleCategory]]:
    stale_count = func.sum(case((HostCategoryDir.up2date.is_(False), 1), else_=0))
    rows = session.execute(
        select(
            HostCategory.host_id,
            HostCategory.id,
            Category.name,
            func.count(HostCategoryDir.id),
            stale_count,
        )
        .join(Category, Category.id == HostCategory.category_id)
        .join(HostCategoryDir, HostCategoryDir.host_category_id == HostCategory.id)
        .where(HostCategory.host_id.in_(host_ids), HostCategory.always_up2date.is_(False))
        .group_by(HostCategory.host_id, HostCategory.id, Category.name)
        .having(stale_count > 0)
        .order_by(Category.name)
    ).all()
    found: dict[int, list[StaleCategory]] = defaultdict(list)
    for host_id, hc_id, name, total, stale in rows:
        paths: tuple[str, ...] = ()
        if with_paths:  # one query per stale category: only for a single host's page
            paths = tuple(
                session.scalars(
                    select(HostCategoryDir.path)
                    .where(
                        HostCategoryDir.host_category_id == hc_id,
                        HostCategoryDir.up2date.is_(False),
                    )
                    .order_by(HostCategoryDir.path)
                    .limit(STALE_PATHS_SHOWN)
                )
            )
        found[host_id].append(StaleCategory(name, int(stale), int(total), paths))
    return found


def _exempt(session: Session, host_ids: Sequence[int]) -> set[int]:
    """Hosts that carry categories, all of them always up to date."""
    rows = session.execute(
        select(
            HostCategory.host_id,
            func.count(HostCategory.id),
            func.sum(case((HostCategory.always_up2date.is_(True), 1), else_=0)),
        )
        .where(HostCategory.host_id.in_(host_ids))
        .group_by(HostCategory.host_id)
    ).all()
    return {host_id for host_id, total, always in rows if total and total == int(always or 0)}


def states(
    session: Session,
    hosts: Sequence[Host],
    *,
    auto_disable: int,
    viewer_is_site_admin: bool = True,
    with_paths: bool = False,
) -> dict[int, HostState]:
    """{host id: state} for these hosts; `with_paths` adds the first stale paths."""
    stale: dict[int, list[StaleCategory]] = {}
    exempt: set[int] = set()
    ids = [h.id for h in hosts]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        stale.update(_stale(session, chunk, with_paths))
        exempt |= _exempt(session, chunk)
    return {
        h.id: host_state(
            h,
            h.site,
            CrawlFacts(tuple(stale.get(h.id, ())), h.id in exempt, auto_disable),
            viewer_is_site_admin=viewer_is_site_admin,
        )
        for h in hosts
    }
