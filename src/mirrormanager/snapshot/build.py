"""Read the database into one immutable :class:`Snapshot`, with a few set-based queries.

The rules are MirrorManager2's cache rules (reference §4), with these choices:
- a host is active when host and site are both admin- and user-active (the Rust
  generator's rule; MM2's Python forgot ``site.admin_active``);
- a host whose own country is in ``settings.embargoed_countries`` is left out entirely (it
  is not crawled either); the ``EmbargoedCountry`` table only adds client countries that
  get no mirrors, it never removes a mirror;
- a host carries a directory when its ``HostCategoryDir`` says ``up2date``, or when its
  ``HostCategory`` is ``always_up2date`` (then every directory of the category counts); the
  directory must belong to that category (``CategoryDirectory``), and only host categories
  with at least one public URL count;
- ``DirectoryExclusiveHost`` rows restrict a directory to the hosts they name;
- per-file precision (:mod:`mirrormanager.snapshot.coverage`): a stale copy that lacks only
  a few files is a *partial* host of its directory, offered for its other files; a host
  whose verdict is older than a file is not offered for that file;
- every repository directory (and its ``repodata`` child, where the repomd.xml details
  live) is in the snapshot, even with no host, so the server can answer the repository and
  its metalink hashes instead of calling it unknown.

Hosts and their directories are read by :mod:`mirrormanager.snapshot.hosts`, built for the
big ``host_category_dir`` table; everything else here is a handful of small queries.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.core.snapshot_model import (
    DirectoryEntry,
    FileDetailInfo,
    HostInfo,
    Snapshot,
)
from mirrormanager.db.models import (
    Arch,
    Category,
    CategoryDirectory,
    CountryContinentRedirect,
    Directory,
    DirectoryExclusiveHost,
    EmbargoedCountry,
    FileDetail,
    HostLocation,
    Location,
    NetblockAsn,
    NetblockCountry,
    Repository,
    RepositoryRedirect,
    Version,
)
from mirrormanager.logging import get_logger
from mirrormanager.settings import Settings
from mirrormanager.snapshot.coverage import read_coverage
from mirrormanager.snapshot.hosts import (
    HostPair,
    carried_directories,
    normalise_netblock,
    read_host_categories,
    read_hosts,
)
from mirrormanager.snapshot.store import next_serial

log = get_logger(__name__)


def build_snapshot(
    session: Session,
    settings: Settings,
    *,
    serial: int | None = None,
    now: float | None = None,
) -> Snapshot:
    """Everything the mirrorlist server needs, read in one consistent pass over the database.

    ``serial`` defaults to the serial of ``settings.effective_snapshot_file`` + 1 (or the
    creation time when there is no readable file).
    """
    created = int(time.time() if now is None else now)
    if serial is None:
        serial = next_serial(settings.effective_snapshot_file, created)
    embargo_hosts = {c.upper() for c in settings.embargoed_countries}
    hosts = read_hosts(session, embargo_hosts)
    hcs, urls = read_host_categories(session, hosts)
    topdirs = {
        cat_id: top
        for cat_id, top in session.execute(
            select(Category.id, Directory.name).join(Directory, Directory.id == Category.topdir_id)
        )
    }
    dir_categories: dict[int, list[int]] = defaultdict(list)
    for cat_id, dir_id in session.execute(
        select(CategoryDirectory.category_id, CategoryDirectory.directory_id)
    ):
        dir_categories[dir_id].append(cat_id)
    exclusive: dict[int, set[int]] = defaultdict(set)
    for dir_id, host_id in session.execute(
        select(DirectoryExclusiveHost.directory_id, DirectoryExclusiveHost.host_id)
    ):
        exclusive[dir_id].add(host_id)

    repositories: dict[tuple[str, str], str] = {}
    disabled: set[tuple[str, str]] = set()
    ordered: dict[int, bool] = {}
    repo_dirs: set[int] = set()
    for prefix, arch, repo_dir, dir_name, is_disabled, ordered_ml in session.execute(
        select(
            Repository.prefix,
            Arch.name,
            Repository.directory_id,
            Directory.name,
            Repository.disabled,
            Version.ordered_mirrorlist,
        )
        .join(Arch, Arch.id == Repository.arch_id)
        .join(Directory, Directory.id == Repository.directory_id)
        .outerjoin(Version, Version.id == Repository.version_id)
        .where(Repository.prefix.is_not(None))
        .order_by(Repository.id)
    ):
        if prefix is None or repo_dir is None:
            continue  # the join makes repo_dir non-null; this tells the type checker
        repositories[(prefix, arch)] = dir_name
        repo_dirs.add(repo_dir)
        ordered[repo_dir] = ordered.setdefault(repo_dir, True) and ordered_ml is not False
        if is_disabled:
            disabled.add((prefix, arch))

    oldest: dict[int, int] = {}
    carried = carried_directories(session, hcs, dir_categories, exclusive, oldest)
    coverage = read_coverage(
        session,
        hcs,
        dir_categories,
        exclusive,
        carried,
        oldest,
        limit=settings.crawler_max_differing_files,
    )
    all_names = _directory_names(session)
    by_name = {name: dir_id for dir_id, name in all_names.items()}
    # A repository's metalink hashes live on its repodata directory: keep that one too.
    repodata = {
        by_name[all_names[d] + "/repodata"]
        for d in repo_dirs
        if d in all_names and all_names[d] + "/repodata" in by_name
    }
    wanted = set(carried) | set(coverage.partial) | repo_dirs | repodata
    del by_name
    names = {d: all_names[d] for d in wanted if d in all_names}
    del all_names
    files = _file_details(session, wanted)
    empty: tuple[HostPair, ...] = ()
    directories: dict[str, DirectoryEntry] = {}
    for dir_id in sorted(wanted):
        name = names.get(dir_id)
        if name is None:
            continue
        directories[name] = DirectoryEntry(
            name=name,
            subpath=_subpath(name, dir_categories.get(dir_id, ()), topdirs),
            hosts=carried.get(dir_id, empty),
            ordered_mirrorlist=ordered.get(dir_id, True),
            files=files.get(dir_id, {}),
            partial=coverage.partial.get(dir_id, empty),
            missing=coverage.missing.get(dir_id, {}),
            recent=coverage.recent.get(dir_id, {}),
            verified=coverage.verified.get(dir_id, {}),
        )

    countries = {c.upper() for c in settings.embargoed_countries}
    countries.update(c.upper() for c in session.scalars(select(EmbargoedCountry.country)) if c)
    return Snapshot(
        serial=serial,
        created=created,
        hosts=hosts,
        urls=urls,
        directories=directories,
        repositories=repositories,
        disabled_repositories=frozenset(disabled),
        repository_redirects={
            source: target
            for source, target in session.execute(
                select(RepositoryRedirect.from_repo, RepositoryRedirect.to_repo)
            )
        },
        country_continent_redirects={
            c.upper(): k.upper()
            for c, k in session.execute(
                select(CountryContinentRedirect.country, CountryContinentRedirect.continent)
            )
        },
        netblock_countries=_netblock_countries(session),
        netblock_asns=_netblock_asns(session),
        embargoed_countries=frozenset(countries),
        locations=_locations(session, hosts),
    )


def _directory_names(session: Session) -> dict[int, str]:
    return {
        dir_id: name
        for dir_id, name in session.execute(
            select(Directory.id, Directory.name).execution_options(yield_per=20_000)
        )
    }


def _file_details(
    session: Session, wanted: set[int]
) -> dict[int, dict[str, tuple[FileDetailInfo, ...]]]:
    grouped: dict[int, dict[str, list[FileDetailInfo]]] = defaultdict(lambda: defaultdict(list))
    for dir_id, filename, ts, size, md5, sha1, sha256, sha512 in session.execute(
        select(
            FileDetail.directory_id,
            FileDetail.filename,
            FileDetail.timestamp,
            FileDetail.size,
            FileDetail.md5,
            FileDetail.sha1,
            FileDetail.sha256,
            FileDetail.sha512,
        )
        .order_by(
            FileDetail.directory_id,
            FileDetail.filename,
            FileDetail.timestamp.desc(),
            FileDetail.id.desc(),
        )
        .execution_options(yield_per=20_000)
    ):
        if dir_id in wanted:
            grouped[dir_id][filename].append(
                FileDetailInfo(int(ts), int(size), md5, sha1, sha256, sha512)
            )
    return {d: {f: tuple(g) for f, g in per.items()} for d, per in grouped.items()}


def _subpath(name: str, categories: Iterable[int], topdirs: dict[int, str]) -> str:
    """The path below the most specific (longest) top directory of the directory's categories.

    A directory in two categories with different top directories (rare; MM2 kept whichever
    row came last) gets the subpath of the deeper one.
    """
    best: str | None = None
    for cat in categories:
        top = topdirs.get(cat)
        if top is None:
            continue
        if (name == top or name.startswith(top + "/")) and (best is None or len(top) > len(best)):
            best = top
    if best is None or name == best:
        return ""
    return name[len(best) + 1 :]


def _netblock_countries(session: Session) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, country in session.execute(
        select(NetblockCountry.netblock, NetblockCountry.country).order_by(NetblockCountry.id)
    ):
        cidr = normalise_netblock(value)
        if cidr is None:
            log.warning("netblock-country override skipped: not an IP network", netblock=value)
            continue
        out[cidr] = country.upper()
    return out


def _netblock_asns(session: Session) -> tuple[tuple[str, int], ...]:
    out: list[tuple[str, int]] = []
    for value, asn in session.execute(
        select(NetblockAsn.netblock, NetblockAsn.asn)
        .order_by(NetblockAsn.id)
        .execution_options(yield_per=50_000)
    ):
        cidr = normalise_netblock(value)
        if cidr is None:
            log.warning("netblock-ASN row skipped: not an IP network", netblock=value, asn=asn)
            continue
        out.append((cidr, int(asn)))
    return tuple(out)


def _locations(session: Session, hosts: dict[int, HostInfo]) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = defaultdict(list)
    for name, hid in session.execute(
        select(Location.name, HostLocation.host_id)
        .join(HostLocation, HostLocation.location_id == Location.id)
        .order_by(Location.name, HostLocation.host_id)
    ):
        if hid in hosts:
            out[name].append(hid)
    return {name: tuple(ids) for name, ids in out.items()}
