"""What else a delete takes with it, counted once before it happens.

Sites, hosts, categories and carried categories cascade in the database: deleting a
category silently removed every host's carried category and URLs in it. The confirmation
pages now name the count of each kind of row that goes too ("3 hosts, 12 URLs, ..."); the
CLI's `delete` (and `--dry-run`) and the audit log say the same counts on one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
from mirrormanager.manage.actor import Actor, record

Deleted = Literal["site", "host", "category", "carried category"]

# Each kind of row that goes along, as the confirmation page names one and many of it.
_NOUNS = {
    "hosts": ("host", "hosts"),
    "categories": ("carried category", "carried categories"),
    "urls": ("URL", "URLs"),
    "directories": ("crawled directory", "crawled directories"),
    "netblocks": ("netblock", "netblocks"),
    "admins": ("administrator link", "administrator links"),
}
_LISTED: dict[Deleted, tuple[str, ...]] = {
    "site": ("hosts", "categories", "urls", "directories", "netblocks", "admins"),
    "host": ("categories", "urls", "directories", "netblocks"),
    "category": ("urls", "directories"),  # after the line of hosts that stop carrying it
    "carried category": ("urls", "directories"),
}
# The one-line summary is older than the pages' list and keeps its own words (no singular):
# the CLI's output and the audit log's entries say it, and scripts read them. Only sites and
# hosts are deleted through a service that says it; the other two lines are for completeness.
_LINE_WORDS = {
    "hosts": "hosts",
    "categories": "categories carried",
    "urls": "URLs",
    "netblocks": "netblocks",
}
_LINE: dict[Deleted, tuple[str, ...]] = {
    "site": ("hosts", "categories", "urls"),
    "host": ("categories", "urls", "netblocks"),
    "category": ("hosts", "categories", "urls"),
    "carried category": ("urls",),
}


@dataclass(frozen=True)
class DeleteSummary:
    """The rows that go with one deleted object, by kind (0 for kinds it cannot take)."""

    of: Deleted
    hosts: int = 0  # of a category: the hosts that stop carrying it
    categories: int = 0  # carried categories
    urls: int = 0
    directories: int = 0  # crawled directories
    netblocks: int = 0
    admins: int = 0  # administrator links

    def text(self) -> str:
        """One line: "2 hosts, 3 categories carried, 5 URLs"."""
        return ", ".join(f"{getattr(self, kind)} {_LINE_WORDS[kind]}" for kind in _LINE[self.of])

    def items(self) -> list[str]:
        """The confirmation page's list, one count and noun (singular or plural) a line."""
        listed = [self._counted(kind) for kind in _LISTED[self.of]]
        if self.of == "category":
            carrying = f"{self._counted('hosts')} stop carrying it ({self._counted('categories')})"
            listed.insert(0, carrying)
        return listed

    def _counted(self, kind: str) -> str:
        n: int = getattr(self, kind)
        one, many = _NOUNS[kind]
        return f"{n} {one if n == 1 else many}"


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _with_carried(
    session: Session, of: Deleted, hc_ids: Select[Any], **others: int
) -> DeleteSummary:
    """The summary of a delete that takes the carried categories `hc_ids` with it."""
    return DeleteSummary(
        of,
        categories=_count(session, hc_ids),
        urls=_count(
            session, select(HostCategoryUrl.id).where(HostCategoryUrl.host_category_id.in_(hc_ids))
        ),
        directories=_count(
            session, select(HostCategoryDir.id).where(HostCategoryDir.host_category_id.in_(hc_ids))
        ),
        **others,
    )


def summary(session: Session, obj: Site | Host | Category | HostCategory) -> DeleteSummary:
    """Count what deleting `obj` takes with it (before it is deleted)."""
    if isinstance(obj, Site):
        host_ids = select(Host.id).where(Host.site_id == obj.id)
        return _with_carried(
            session,
            "site",
            select(HostCategory.id).where(HostCategory.host_id.in_(host_ids)),
            hosts=_count(session, host_ids),
            netblocks=_count(
                session, select(HostNetblock.id).where(HostNetblock.host_id.in_(host_ids))
            ),
            admins=_count(session, select(SiteAdmin.id).where(SiteAdmin.site_id == obj.id)),
        )
    if isinstance(obj, Host):
        return _with_carried(
            session,
            "host",
            select(HostCategory.id).where(HostCategory.host_id == obj.id),
            netblocks=_count(
                session, select(HostNetblock.id).where(HostNetblock.host_id == obj.id)
            ),
        )
    if isinstance(obj, Category):
        carrying = select(HostCategory.host_id).where(HostCategory.category_id == obj.id)
        return _with_carried(
            session,
            "category",
            select(HostCategory.id).where(HostCategory.category_id == obj.id),
            hosts=_count(session, carrying.distinct()),
        )
    return _with_carried(
        session, "carried category", select(HostCategory.id).where(HostCategory.id == obj.id)
    )


def consequences(session: Session, obj: object) -> list[str]:
    """The confirmation page's list for `obj`; [] for kinds that take nothing along."""
    if isinstance(obj, Site | Host | Category | HostCategory):
        return summary(session, obj).items()
    return []


def delete(session: Session, actor: Actor, obj: Site | Host) -> DeleteSummary:
    """Delete `obj` (its service checked the permission first); the database's cascade takes
    the rest, so it is counted before, for the audit entry and the caller."""
    taken = summary(session, obj)
    record(session, actor, "delete", obj, f"{taken.of} {obj.name} deleted ({taken.text()})")
    session.delete(obj)
    session.flush()
    return taken
