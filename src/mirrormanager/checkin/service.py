"""Apply a validated check-in to the database: one host, one transaction.

Rules (MirrorManager2's ``uploaded_config``, kept where clients depend on them):

* the site is found by name and its password verified; the host by name within the site;
* only private hosts may check in (MirrorManager2 PR #281): a public mirror's directory
  names prove nothing about its files, so public mirrors are judged by the crawler only;
* each report section matches one of the host's categories by name, case-insensitively;
  a section matching none is ignored (a check-in never creates HostCategories);
* a reported directory that exists under the category's top directory is marked up to
  date (created when needed); the category's rows the report does not list are deleted;
* ``last_checked_in`` is set; a host may check in at most once per ``min_interval``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mirrormanager.checkin.passwords import hash_site_password, needs_rehash, verify_site_password
from mirrormanager.checkin.payload import CheckinReport
from mirrormanager.db import throttle
from mirrormanager.db.models import (
    Category,
    CategoryDirectory,
    Directory,
    Host,
    HostCategory,
    HostCategoryDir,
    Site,
)
from mirrormanager.db.throttle import ThrottlePolicy
from mirrormanager.errors import MirrorManagerError

_CHUNK = 500


class CheckinRefused(MirrorManagerError):
    """The check-in is understood but not accepted; ``status`` is the HTTP status and
    ``retry_after`` (seconds) goes to a Retry-After header when set."""

    def __init__(self, message: str, status: int, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class WrongSitePassword(CheckinRefused):
    """Unknown site or wrong password: counted by the throttle."""


@dataclass(slots=True)
class CategoryCount:
    name: str
    updated: int = 0
    added: int = 0
    deleted: int = 0
    unknown: int = 0  # reported paths the master does not have


@dataclass(slots=True)
class CheckinResult:
    host_id: int
    categories: list[CategoryCount] = field(default_factory=list)

    def message(self) -> str:
        """The reply text MirrorManager2's clients print."""
        lines = [
            f"Category {c.name} directories updated: {c.updated}  added: {c.added}  "
            f"deleted {c.deleted}"
            for c in self.categories
        ]
        return "\n".join([*lines, "checked in successful"])


def authenticate(session: Session, report: CheckinReport) -> Host:
    site = session.scalars(select(Site).where(Site.name == report.site)).first()
    # An unknown site costs the same hash as a known one: no site-name enumeration.
    if not verify_site_password(site.password if site else None, report.password) or not site:
        raise WrongSitePassword("Config file site name or password incorrect.", 403)
    host = session.scalars(
        select(Host).where(Host.site_id == site.id, Host.name == report.host)
    ).first()
    if host is None:
        raise CheckinRefused(f"Host {report.host!r} is not a host of site {site.name!r}.", 403)
    if not host.private:
        raise CheckinRefused("Only private mirrors are allowed to use report_mirror.", 403)
    if site.password and needs_rehash(site.password):
        site.password = hash_site_password(report.password)
    return host


def apply_checkin(
    session: Session,
    report: CheckinReport,
    *,
    now: dt.datetime | None = None,
    min_interval: float = 60.0,
    client: str | None = None,
    policy: ThrottlePolicy | None = None,
) -> CheckinResult:
    """Authenticate and apply ``report``; commit, or roll back and raise.

    Failed passwords are counted per site and, when the caller knows it, per ``client``
    address (``policy``, default `ThrottlePolicy()`); while either waits, the check-in is
    refused (429) before any hash. Without a client address only the site is counted: one
    shared "unknown" key would let any guesser lock out every check-in.
    """
    now = now or dt.datetime.now(dt.UTC)
    policy = policy or ThrottlePolicy()
    keys = [("checkin-site", report.site)]
    if client:
        keys.append(("checkin-addr", client))
    wait = throttle.retry_after(session, keys, now)
    if wait:
        session.rollback()
        raise CheckinRefused(
            f"too many failed check-ins; try again in {wait} s", 429, retry_after=wait
        )
    try:
        try:
            host = authenticate(session, report)
        except WrongSitePassword:
            session.rollback()
            throttle.record_failure(session, keys, policy, now)
            session.commit()
            raise
        # The site's count starts again; the address's does not (see web login).
        throttle.clear(session, keys[:1])
        if host.last_checked_in is not None and min_interval > 0:
            last = host.last_checked_in
            if last.tzinfo is None:
                last = last.replace(tzinfo=dt.UTC)
            waited = (now - last).total_seconds()
            if waited < min_interval:
                raise CheckinRefused(
                    f"checked in less than {min_interval:g} s ago; try again later",
                    429,
                    retry_after=max(1, math.ceil(min_interval - waited)),
                )
        result = CheckinResult(host.id)
        wanted = {name.lower(): paths for name, paths in report.categories.items()}
        rows = session.execute(
            select(HostCategory, Category)
            .join(Category, HostCategory.category_id == Category.id)
            .where(HostCategory.host_id == host.id)
        ).all()
        for hc, category in rows:
            paths = wanted.get(category.name.lower())
            if paths is not None:
                result.categories.append(_apply_category(session, hc, category, paths, now))
        host.last_checked_in = now
        if report.user_active is not None and not host.disabled_by_crawler:
            host.user_active = report.user_active
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _apply_category(
    session: Session, hc: HostCategory, category: Category, paths: tuple[str, ...], now: dt.datetime
) -> CategoryCount:
    count = CategoryCount(category.name)
    topdir = category.topdir.name if category.topdir is not None else ""
    full = {(f"{topdir}/{p}" if p else topdir).strip("/"): p for p in paths}
    known: dict[str, int] = {}
    names = list(full)
    for start in range(0, len(names), _CHUNK):
        for directory_id, name in session.execute(
            select(Directory.id, Directory.name)
            .join(CategoryDirectory, CategoryDirectory.directory_id == Directory.id)
            .where(
                CategoryDirectory.category_id == category.id,
                Directory.name.in_(names[start : start + _CHUNK]),
            )
        ).all():
            known[name] = directory_id
    count.unknown = len(full) - len(known)
    reported_ids = set(known.values())
    existing = dict(
        session.execute(
            select(HostCategoryDir.directory_id, HostCategoryDir.id).where(
                HostCategoryDir.host_category_id == hc.id
            )
        ).all()
    )
    keep = [row_id for directory_id, row_id in existing.items() if directory_id in reported_ids]
    for start in range(0, len(keep), _CHUNK):
        session.execute(
            update(HostCategoryDir)
            .where(HostCategoryDir.id.in_(keep[start : start + _CHUNK]))
            .values(up2date=True, last_checked=now, differing_files=None)
            .execution_options(synchronize_session=False)
        )
    count.updated = len(keep)
    new = [(name, d) for name, d in known.items() if d not in existing]
    for name, directory_id in new:
        session.add(
            HostCategoryDir(
                host_category_id=hc.id,
                directory_id=directory_id,
                path=full[name],
                up2date=True,
                last_checked=now,
            )
        )
    count.added = len(new)
    gone = [row_id for directory_id, row_id in existing.items() if directory_id not in reported_ids]
    for start in range(0, len(gone), _CHUNK):
        session.execute(
            delete(HostCategoryDir)
            .where(HostCategoryDir.id.in_(gone[start : start + _CHUNK]))
            .execution_options(synchronize_session=False)
        )
    count.deleted = len(gone)
    session.flush()
    return count
