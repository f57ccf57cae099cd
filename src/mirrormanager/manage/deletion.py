"""What else a delete takes with it, counted before the confirmation page asks.

Sites, hosts, categories and carried categories cascade in the database: deleting a
category silently removed every host's carried category and URLs in it. The confirmation
page now names the count of each kind of row that goes too ("3 hosts, 12 URLs, ...").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from mirrormanager.db.models import (
    Category,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    HostNetblock,
    Site,
    SiteAdmin,
)


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _carried(session: Session, hc_ids: Select[Any]) -> list[str]:
    urls = _count(
        session, select(HostCategoryUrl.id).where(HostCategoryUrl.host_category_id.in_(hc_ids))
    )
    dirs = _count(
        session, select(HostCategoryDir.id).where(HostCategoryDir.host_category_id.in_(hc_ids))
    )
    return [
        _plural(urls, "URL", "URLs"),
        _plural(dirs, "crawled directory", "crawled directories"),
    ]


def consequences(session: Session, obj: Any) -> list[str]:
    """Counts of the rows that go with `obj`; [] for kinds that take nothing along."""
    if isinstance(obj, Site):
        host_ids = select(Host.id).where(Host.site_id == obj.id)
        hc_ids = select(HostCategory.id).where(HostCategory.host_id.in_(host_ids))
        return [
            _plural(_count(session, host_ids), "host", "hosts"),
            _plural(_count(session, hc_ids), "carried category", "carried categories"),
            *_carried(session, hc_ids),
            _plural(
                _count(session, select(HostNetblock.id).where(HostNetblock.host_id.in_(host_ids))),
                "netblock",
                "netblocks",
            ),
            _plural(
                _count(session, select(SiteAdmin.id).where(SiteAdmin.site_id == obj.id)),
                "administrator link",
                "administrator links",
            ),
        ]
    if isinstance(obj, Host):
        hc_ids = select(HostCategory.id).where(HostCategory.host_id == obj.id)
        return [
            _plural(_count(session, hc_ids), "carried category", "carried categories"),
            *_carried(session, hc_ids),
            _plural(
                _count(session, select(HostNetblock.id).where(HostNetblock.host_id == obj.id)),
                "netblock",
                "netblocks",
            ),
        ]
    if isinstance(obj, Category):
        hc_ids = select(HostCategory.id).where(HostCategory.category_id == obj.id)
        hosts = _count(
            session,
            select(HostCategory.host_id).where(HostCategory.category_id == obj.id).distinct(),
        )
        return [
            f"{_plural(hosts, 'host', 'hosts')} stop carrying it "
            f"({_plural(_count(session, hc_ids), 'carried category', 'carried categories')})",
            *_carried(session, hc_ids),
        ]
    if isinstance(obj, HostCategory):
        return _carried(session, select(HostCategory.id).where(HostCategory.id == obj.id))
    return []
