"""The public mirror list: active public mirrors with their URLs and freshness (DB → data).

A mirror is listed when its host and site are active (admin and user) and neither is
private; only public URLs of public-list categories are shown. "Current" answers: are the
host's copies of the selected repositories' directories up to date (HostCategoryDir)?
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from mirrormanager.core.geo import continent_of
from mirrormanager.db.models import (
    Arch,
    Category,
    CountryContinentRedirect,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    Product,
    Repository,
    Site,
    Version,
)

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])

CONTINENT_NAMES = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
    "": "Unknown",
}
PROTOCOLS = ("https", "http", "rsync", "ftp")


@dataclass(frozen=True, slots=True)
class Selection:
    """What the list is for; all None means every mirror of every public product."""

    product: str | None = None
    version: str | None = None
    arch: str | None = None
    country: str | None = None  # ISO code, upper case: MirrorManager2's ?country=CC

    @property
    def label(self) -> str:
        parts = [p for p in (self.product, self.version, self.arch) if p]
        label = " ".join(parts) if parts else "all products"
        return f"{label} in {self.country}" if self.country else label


@dataclass(slots=True)
class MirrorRow:
    host_id: int
    site: str
    site_url: str | None
    host: str
    country: str
    continent: str
    bandwidth: int  # Mbit/s
    comment: str
    internet2: bool
    latitude: float | None
    longitude: float | None
    categories: list[str] = field(default_factory=list)
    urls: dict[str, list[str]] = field(default_factory=dict)  # protocol → URLs
    status: str = "unknown"  # current, stale or unknown
    dirs_total: int = 0
    dirs_current: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Choice:
    product: str
    versions: tuple[tuple[str, tuple[str, ...]], ...]  # (version, arches)


def choices(session: Session) -> list[Choice]:
    """Public products, their displayed versions and the arches they have repositories for."""
    rows = session.execute(
        select(Product.name, Version.name, Arch.name, Version.sortorder)
        .join(Version, Version.product_id == Product.id)
        .join(Repository, Repository.version_id == Version.id)
        .join(Arch, Repository.arch_id == Arch.id)
        .where(Product.publiclist, Version.display, Arch.publiclist, ~Repository.disabled)
        .distinct()
    ).all()
    tree: dict[str, dict[str, tuple[int, set[str]]]] = defaultdict(dict)
    for product, version, arch, sortorder in rows:
        tree[product].setdefault(version, (sortorder, set()))[1].add(arch)
    return [
        Choice(
            product,
            tuple(
                (version, tuple(sorted(arches)))
                for version, (_, arches) in sorted(
                    versions.items(), key=lambda kv: (-kv[1][0], _version_sort_key(kv[0]))
                )
            ),
        )
        for product, versions in sorted(tree.items())
    ]


def _version_sort_key(name: str) -> tuple[int, float, str]:
    """Newest first: numbers descending, then names (rawhide, development)."""
    try:
        return (0, -float(name), name)
    except ValueError:
        return (1, 0.0, name)


def public_mirrors(session: Session, selection: Selection = Selection()) -> list[MirrorRow]:
    """The listed mirrors, ordered by continent, country and host name."""
    redirects = dict(
        session.execute(
            select(CountryContinentRedirect.country, CountryContinentRedirect.continent)
        ).all()
    )
    active = and_(
        Host.admin_active,
        Host.user_active,
        ~Host.private,
        Site.admin_active,
        Site.user_active,
        ~Site.private,
    )
    category_filter = [Category.publiclist, ~Category.admin_only, Product.publiclist]
    if selection.product:
        category_filter.append(Product.name == selection.product)
    if selection.version or selection.arch:
        # Only the categories that hold the selected release/arch (not archive, alt, …).
        category_filter.append(
            Category.id.in_(_selected_repositories(select(Repository.category_id), selection))
        )
    host_filter = [func.upper(Host.country) == selection.country] if selection.country else []
    carried = session.execute(
        select(Host, Site.name, Site.org_url, HostCategory.id, Category.name)
        .join(Site, Host.site_id == Site.id)
        .join(HostCategory, HostCategory.host_id == Host.id)
        .join(Category, HostCategory.category_id == Category.id)
        .join(Product, Category.product_id == Product.id)
        .where(active, *category_filter, *host_filter)
        .order_by(Host.id)
    ).all()
    rows: dict[int, MirrorRow] = {}
    host_categories: dict[int, int] = {}
    for host, site, site_url, hc_id, category in carried:
        row = rows.get(host.id)
        if row is None:
            country = (host.country or "").upper()
            row = rows[host.id] = MirrorRow(
                host_id=host.id,
                site=site,
                site_url=site_url,
                host=host.name,
                country=country,
                continent=continent_of(country, redirects),
                bandwidth=host.bandwidth_int,
                comment=host.comment or "",
                internet2=host.internet2,
                latitude=host.latitude,
                longitude=host.longitude,
            )
        row.categories.append(category)
        host_categories[hc_id] = host.id
    _add_urls(session, rows, host_categories)
    _add_status(session, rows, selection)
    if selection.version or selection.arch:
        # A mirror without any copy of the selected release/arch does not carry it.
        rows = {k: r for k, r in rows.items() if r.dirs_total or r.status == "current"}
    return sorted(rows.values(), key=lambda r: (r.continent, r.country, r.host))


def _add_urls(
    session: Session, rows: dict[int, MirrorRow], host_categories: dict[int, int]
) -> None:
    ids = list(host_categories)
    for start in range(0, len(ids), 500):
        for hc_id, url in session.execute(
            select(HostCategoryUrl.host_category_id, HostCategoryUrl.url)
            .where(
                HostCategoryUrl.host_category_id.in_(ids[start : start + 500]),
                ~HostCategoryUrl.private,
            )
            .order_by(HostCategoryUrl.url)
        ):
            protocol = url.split("://", 1)[0].lower() if "://" in url else "other"
            row = rows[host_categories[hc_id]]
            row.urls.setdefault(protocol, []).append(url)


def _selected_repositories(query: _Query, selection: Selection) -> _Query:
    """`query` (which selects from Repository) narrowed to the selection's repositories."""
    query = query.where(~Repository.disabled)
    if selection.product or selection.version:
        query = query.join(Version, Repository.version_id == Version.id).join(
            Product, Version.product_id == Product.id
        )
        if selection.product:
            query = query.where(Product.name == selection.product)
        if selection.version:
            query = query.where(Version.name == selection.version)
    if selection.arch:
        query = query.join(Arch, Repository.arch_id == Arch.id).where(Arch.name == selection.arch)
    return query


def _add_status(session: Session, rows: dict[int, MirrorRow], selection: Selection) -> None:
    """Count each host's up-to-date copies of the selected repositories' directories."""
    query = (
        select(
            HostCategory.host_id,
            func.count(HostCategoryDir.id),
            func.sum(case((HostCategoryDir.up2date, 1), else_=0)),
        )
        .select_from(HostCategoryDir)
        .join(HostCategory, HostCategoryDir.host_category_id == HostCategory.id)
        .join(Repository, Repository.directory_id == HostCategoryDir.directory_id)
    )
    always = set(session.scalars(select(HostCategory.host_id).where(HostCategory.always_up2date)))
    counts = session.execute(
        _selected_repositories(query, selection).group_by(HostCategory.host_id)
    )
    for host_id, total, current in counts:
        row = rows.get(host_id)
        if row is None:
            continue
        row.dirs_total, row.dirs_current = int(total), int(current or 0)
    for row in rows.values():
        if row.host_id in always or (row.dirs_total and row.dirs_current == row.dirs_total):
            row.status = "current"
        elif row.dirs_total:
            row.status = "stale"


def grouped(rows: list[MirrorRow]) -> list[tuple[str, str, list[MirrorRow]]]:
    """(continent code, continent name, rows) in continent order."""
    groups: dict[str, list[MirrorRow]] = defaultdict(list)
    for row in rows:
        groups[row.continent].append(row)
    return [(code, CONTINENT_NAMES.get(code, code), groups[code]) for code in sorted(groups)]


def as_text(rows: list[MirrorRow], selection: Selection) -> str:
    """The plain-text list: one line per URL, grouped under continent and country headers."""
    lines = [f"# Public mirrors: {selection.label} ({len(rows)} hosts)"]
    for _code, name, group in grouped(rows):
        lines.append(f"\n## {name}")
        country = None
        for row in group:
            if row.country != country:
                country = row.country
                lines.append(f"\n### {country or '??'}")
            lines.append(
                f"{row.host}  site={row.site}  bandwidth={row.bandwidth}Mbit/s  "
                f"status={row.status}" + (f"  # {row.comment}" if row.comment else "")
            )
            for protocol in PROTOCOLS:
                lines.extend(f"  {url}" for url in row.urls.get(protocol, ()))
    return "\n".join(lines) + "\n"
