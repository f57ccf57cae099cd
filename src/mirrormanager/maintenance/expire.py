"""Emergency expiry: bad content was published, no mirror may be trusted for a repository.

Every mirror's copy of the repository's directories becomes stale at once, and only the
newest FileDetail of each file is kept, so metalinks carry no alternates and dnf accepts
only mirrors that already serve the corrected repomd.xml. The next crawl or check-in
proves mirrors current again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, or_, select, update
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Arch,
    Directory,
    FileDetail,
    HostCategoryDir,
    Product,
    Repository,
    Version,
)
from mirrormanager.errors import InputError, NothingToDoError
from mirrormanager.logging import get_logger

log = get_logger(__name__)


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


@dataclass(frozen=True, slots=True)
class ExpireReport:
    repositories: list[str]
    host_directories: int
    file_details_dropped: int


def emergency_expire(
    session: Session,
    *,
    prefix: str | None = None,
    arch: str | None = None,
    product: str | None = None,
    version: str | None = None,
) -> ExpireReport:
    """Expire the repositories named by `prefix` (+ `arch`) or by `product` + `version`."""
    query = select(Repository).join(Directory, Directory.id == Repository.directory_id)
    if prefix:
        query = query.where(Repository.prefix == prefix)
        if arch:
            query = query.join(Arch, Arch.id == Repository.arch_id).where(Arch.name == arch)
        what = f"repository {prefix!r}" + (f" arch {arch!r}" if arch else "")
    elif product and version:
        query = (
            query.join(Version, Version.id == Repository.version_id)
            .join(Product, Product.id == Version.product_id)
            .where(Product.name == product, Version.name == version)
        )
        what = f"{product} {version}"
    else:
        raise InputError("name a repository (--repo PREFIX [--arch ARCH]) or PRODUCT VERSION")
    repos = session.scalars(query).all()
    if not repos:
        raise InputError(f"no repository with a directory matches {what}")
    names = [repo.name for repo in repos]
    dir_ids = list(
        session.scalars(
            select(Directory.id).where(
                or_(
                    *(Directory.name == n for n in names),
                    *(Directory.name.startswith(n + "/", autoescape=True) for n in names),
                )
            )
        )
    )
    stale = _rowcount(
        session.execute(
            update(HostCategoryDir)
            .where(HostCategoryDir.directory_id.in_(dir_ids), HostCategoryDir.up2date.is_(True))
            .values(up2date=False)
        )
    )
    # Stale copies lacking only a few files were still offered for the others: no more.
    session.execute(
        update(HostCategoryDir)
        .where(
            HostCategoryDir.directory_id.in_(dir_ids),
            HostCategoryDir.differing_files.is_not(None),
        )
        .values(differing_files=None)
    )
    newest = (
        select(func.max(FileDetail.id))
        .where(FileDetail.directory_id.in_(dir_ids))
        .group_by(FileDetail.directory_id, FileDetail.filename)
    )
    dropped = _rowcount(
        session.execute(
            delete(FileDetail).where(
                FileDetail.directory_id.in_(dir_ids), FileDetail.id.not_in(newest)
            )
        )
    )
    if not stale and not dropped:
        session.rollback()
        raise NothingToDoError(f"{what}: no mirror is marked current and no alternate is left")
    session.commit()
    log.warning(
        "repository expired",
        what=what,
        repositories=names,
        host_directories=stale,
        file_details_dropped=dropped,
    )
    return ExpireReport(names, stale, dropped)
