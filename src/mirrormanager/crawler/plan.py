"""From the database to crawl plans: which hosts, which categories, which directories.

Directory plans are read once per category and shared by every host carrying it, so the
crawl's memory grows with the master tree, not with hosts x directories.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, contains_eager

from mirrormanager.crawler.compare import RepomdGeneration, master_files
from mirrormanager.crawler.model import CategoryPlan, DirPlan, HostPlan, MasterTimelist
from mirrormanager.db.models import (
    Category,
    CategoryDirectory,
    Directory,
    FileDetail,
    Host,
    HostCategory,
    HostCategoryUrl,
    Repository,
    Site,
)
from mirrormanager.errors import ConfigError
from mirrormanager.logging import get_logger
from mirrormanager.scanner.timelist import find_timelist

log = get_logger(__name__)

_CHUNK = 500  # ids per IN (...) list
_AUTO_ORDER = ("rsync", "https", "http")
# Repodata-only crawls want repomd.xml hashes, which only http(s) gives.
_REPODATA_ORDER = ("https", "http", "rsync")


@dataclass(frozen=True, slots=True)
class HostSelection:
    start_id: int | None = None  # inclusive
    stop_id: int | None = None  # exclusive, as mm2_crawler's --stopid
    shard: tuple[int, int] | None = None  # (K, N): hosts with id % N == K - 1
    names: tuple[str, ...] = ()
    include_private: bool = False
    categories: tuple[str, ...] = ()
    embargoed_countries: tuple[str, ...] = ()
    include_disabled: bool = False  # mm2_crawler --include-disabled: user-disabled hosts too
    ids: tuple[int, ...] | None = None  # only these hosts (mm2_crawler --fraction/--continent)


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 <= K <= N) as a tuple; anything else is a ConfigError."""
    try:
        k, n = (int(part) for part in text.split("/", 1))
    except ValueError:
        raise ConfigError(f"shard {text!r} is not K/N, e.g. 1/2") from None
    if not 1 <= k <= n:
        raise ConfigError(f"shard {text!r}: K must be between 1 and N")
    return k, n


def order_urls(urls: Sequence[str], protocol: str, *, repodata_only: bool) -> tuple[str, ...]:
    """URLs in the order to try them: rsync > https > http, or only the forced protocol."""
    if protocol not in ("auto", *_AUTO_ORDER):
        raise ConfigError(f"crawler_protocol {protocol!r} must be auto, rsync, https or http")
    order: tuple[str, ...] = _REPODATA_ORDER if repodata_only else _AUTO_ORDER
    if protocol != "auto":
        order = (protocol,)
    ranked = [
        (order.index(scheme), url)
        for url in urls
        if (scheme := url.partition("://")[0].lower()) in order
    ]
    return tuple(url for _, url in sorted(ranked, key=lambda pair: pair[0]))


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def select_hosts(session: Session, selection: HostSelection) -> list[Host]:
    """Active hosts (plus hosts the crawler itself disabled, so a good crawl can re-enable
    them), public unless asked otherwise, longest expected crawl first.

    Hosts whose last crawl failed come first: one that hangs costs a read timeout, longer
    than a whole repodata-only crawl of a good mirror. Then, as MirrorManager2 orders them,
    the slowest by their last full crawl, hosts never crawled (unknown) before those."""
    stmt = (
        select(Host)
        .join(Site, Host.site_id == Site.id)
        .options(contains_eager(Host.site))  # the plans name the site: no query per host
        .where(
            Host.admin_active,
            Site.admin_active,
            Site.user_active,
        )
    )
    if not selection.include_disabled:
        stmt = stmt.where(or_(Host.user_active, Host.disabled_by_crawler))
    if not selection.include_private:
        stmt = stmt.where(Host.private == false(), Site.private == false())
    if selection.embargoed_countries:
        stmt = stmt.where(Host.country.not_in([c.upper() for c in selection.embargoed_countries]))
    if selection.start_id is not None:
        stmt = stmt.where(Host.id >= selection.start_id)
    if selection.stop_id:
        stmt = stmt.where(Host.id < selection.stop_id)
    if selection.shard is not None:
        k, n = selection.shard
        stmt = stmt.where(Host.id % n == k - 1)
    if selection.names:
        stmt = stmt.where(Host.name.in_(selection.names))
    if selection.ids is not None:
        stmt = stmt.where(Host.id.in_(selection.ids))
    stmt = stmt.order_by(
        (Host.crawl_failures > 0).desc(), Host.last_crawl_duration.desc().nulls_first(), Host.id
    )
    return list(session.scalars(stmt))


def repodata_directories(session: Session, prefixes: Sequence[str]) -> set[int]:
    """Ids of the repodata directories of the repositories with these prefixes (repo ids)."""
    names = session.scalars(
        select(Directory.name)
        .join(Repository, Repository.directory_id == Directory.id)
        .where(Repository.prefix.in_(prefixes))
    ).all()
    if not names:
        raise ConfigError(f"no repository has the prefix {', '.join(prefixes)}")
    wanted = [f"{name}/repodata" for name in names]
    return set(session.scalars(select(Directory.id).where(Directory.name.in_(wanted))))


def master_timelist(top: str, dirs: Sequence[DirPlan]) -> MasterTimelist | None:
    """The master's ``fullfiletimelist-*`` for the category at ``top`` (in the top or its
    parent, as the scanner finds it), hashed once; None when there is none or it is unreadable.
    """
    found = find_timelist(top)
    if found is None:
        return None
    digest = hashlib.sha256()
    size = 0
    try:
        with open(found.path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        log.warning("fullfiletimelist not readable", path=found.path, error=str(exc))
        return None
    wanted: set[str] = set()
    for plan in dirs:
        if plan.is_repodata:
            continue  # judged by the hash of repomd.xml, never by a list
        prefix = f"{plan.path}/" if plan.path else ""
        if plan.path:
            wanted.add(plan.path)
        wanted.update(prefix + f.name for f in plan.files)
    return MasterTimelist(
        name=os.path.basename(found.path),
        prefix=found.prefix,
        sha256=digest.hexdigest(),
        size=size,
        wanted=frozenset(wanted),
    )


class PlanBuilder:
    """Builds HostPlans, caching each category's directory plans and master time list."""

    def __init__(
        self,
        session: Session,
        *,
        protocol: str = "auto",
        repodata_only: bool = False,
        repositories: Sequence[str] = (),
        master_prefix: str | Path | None = None,
    ) -> None:
        self.session = session
        # Where the master tree is mounted: its fullfiletimelist-* files spare full HTTP
        # crawls one HEAD per file. None (or a repodata-only crawl): no lists.
        self.master_prefix = None if repodata_only or repositories else master_prefix
        self.protocol = protocol
        self.repodata_only = repodata_only
        self.only: set[int] | None = (
            repodata_directories(session, repositories) if repositories else None
        )
        self._dirs: dict[int, tuple[DirPlan, ...]] = {}
        self._timelists: dict[int, MasterTimelist | None] = {}

    def hosts(self, hosts: Sequence[Host], categories: Sequence[str] = ()) -> list[HostPlan]:
        """The plans of ``hosts`` in their order, leaving out those that carry none of the
        wanted categories. Two queries per ``_CHUNK`` hosts, not two per host: planning
        comes before the first request of the crawl."""
        carried: dict[int, list[tuple[HostCategory, Category]]] = {}
        for chunk in _chunks([host.id for host in hosts]):
            stmt = (
                select(HostCategory, Category)
                .join(Category, HostCategory.category_id == Category.id)
                .where(HostCategory.host_id.in_(chunk))
                .order_by(HostCategory.host_id, Category.name)
            )
            if categories:
                stmt = stmt.where(Category.name.in_(categories))
            for hc, category in self.session.execute(stmt):
                carried.setdefault(hc.host_id, []).append((hc, category))
        urls: dict[int, list[str]] = {}
        for chunk in _chunks([hc.id for pairs in carried.values() for hc, _ in pairs]):
            for hc_id, url in self.session.execute(
                select(HostCategoryUrl.host_category_id, HostCategoryUrl.url)
                .where(HostCategoryUrl.host_category_id.in_(chunk))
                .order_by(HostCategoryUrl.host_category_id, HostCategoryUrl.id)
            ):
                urls.setdefault(hc_id, []).append(url)
        result = []
        for host in hosts:
            plans = [
                CategoryPlan(
                    host_category_id=hc.id,
                    category_id=category.id,
                    name=category.name,
                    urls=order_urls(
                        urls.get(hc.id, ()), self.protocol, repodata_only=self.repodata_only
                    ),
                    always_up2date=hc.always_up2date,
                    dirs=() if hc.always_up2date else self.directories(category),
                    timelist=None if hc.always_up2date else self.timelist(category),
                )
                for hc, category in carried.get(host.id, ())
            ]
            if plans:
                result.append(
                    HostPlan(
                        id=host.id,
                        name=host.name,
                        site=host.site.name,
                        max_connections=max(1, host.max_connections or 1),
                        categories=tuple(plans),
                    )
                )
        return result

    def timelist(self, category: Category) -> MasterTimelist | None:
        """The master's time list of the category, read once for all hosts."""
        if self.master_prefix is None or category.topdir is None:
            return None
        if category.id not in self._timelists:
            top = os.path.join(str(self.master_prefix), category.topdir.name)
            self._timelists[category.id] = master_timelist(top, self.directories(category))
        return self._timelists[category.id]

    def directories(self, category: Category) -> tuple[DirPlan, ...]:
        cached = self._dirs.get(category.id)
        if cached is not None:
            return cached
        topdir = category.topdir.name if category.topdir is not None else ""
        linked = (
            select(CategoryDirectory.directory_id)
            .where(CategoryDirectory.category_id == category.id)
            .scalar_subquery()
        )
        history: dict[int, list[RepomdGeneration]] = {}
        details = self.session.execute(
            select(FileDetail.directory_id, FileDetail.sha256, FileDetail.timestamp)
            .where(FileDetail.filename == "repomd.xml", FileDetail.directory_id.in_(linked))
            .order_by(FileDetail.directory_id, FileDetail.timestamp.desc(), FileDetail.id.desc())
        )
        for directory_id, sha256, timestamp in details:
            if sha256:
                history.setdefault(directory_id, []).append(RepomdGeneration(sha256, timestamp))
        rows = self.session.execute(
            select(Directory.id, Directory.name, Directory.files)
            .join(CategoryDirectory, CategoryDirectory.directory_id == Directory.id)
            .where(CategoryDirectory.category_id == category.id, Directory.readable)
            .order_by(Directory.name)
        )
        plans = []
        for directory_id, name, files in rows:
            if name == topdir:
                path = ""
            elif topdir and name.startswith(topdir + "/"):
                path = name[len(topdir) + 1 :]
            elif not topdir:
                path = name
            else:
                continue  # linked to the category but outside its top directory
            is_repodata = path == "repodata" or path.endswith("/repodata")
            repomd = tuple(history.get(directory_id, ())) if is_repodata else ()
            if self.only is None or directory_id in self.only:
                plans.append(DirPlan(directory_id, path, master_files(files), repomd))
        self._dirs[category.id] = result = tuple(plans)
        return result
