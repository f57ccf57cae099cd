"""Demo mirror networks: a small realistic one for the demo, a Fedora-sized one for benchmarks.

:func:`populate_demo_network` runs after a scan of the demo tree and adds the mirror side:
eight public mirrors on four continents, one private campus mirror reachable only from its
netblock, and the geo/redirect tables the mirrorlist server uses. Each host's working URL
is ``{mirror_base_url}/{slug}/{category topdir}`` (the first host, ``de``, has no slug), so
one local HTTP server that serves the master tree at ``/`` and under every slug plays all the
mirrors; the rsync URLs are illustrative.

:func:`mirrormanager.demo.network_fedora.populate_fedora_scale` fills an empty database
to the size of Fedora's for benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Category,
    CategoryDirectory,
    CountryContinentRedirect,
    Directory,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    HostCountryAllowed,
    HostLocation,
    HostNetblock,
    HostPeerAsn,
    Location,
    NetblockAsn,
    NetblockCountry,
    RepositoryRedirect,
    Site,
)
from mirrormanager.settings import Settings

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class DemoMirror:
    slug: str
    country: str
    bandwidth: int
    netblocks: tuple[str, ...] = ()
    asn: int | None = None
    peer_asns: tuple[int, ...] = ()
    countries_allowed: tuple[str, ...] = ()
    private: bool = False
    location: str | None = None

    @property
    def name(self) -> str:
        return f"mirror-{self.slug}.demo.example"


DEMO_MIRRORS: tuple[DemoMirror, ...] = (
    DemoMirror("de", "DE", 10_000, ("192.0.2.0/25",), asn=64500, peer_asns=(64501,)),
    DemoMirror("fr", "FR", 1_000),
    DemoMirror("us", "US", 20_000, ("2001:db8:1::/48",)),
    DemoMirror("jp", "JP", 1_000, location="demo-cloud-ap"),
    DemoMirror("br", "BR", 500),
    DemoMirror("cz", "CZ", 2_000, countries_allowed=("CZ", "SK")),
    DemoMirror("gb", "GB", 5_000),
    DemoMirror("au", "AU", 800, location="demo-cloud-ap"),
    DemoMirror("campus", "DE", 1_000, ("198.51.100.0/24",), private=True),
)
DEMO_NETBLOCK_COUNTRIES = {"203.0.113.0/24": "JP", "2001:db8:ff::/48": "BR"}
DEMO_NETBLOCK_ASNS = {
    "192.0.2.0/24": 64500,
    "198.51.100.0/24": 64496,
    "203.0.113.0/24": 64502,
    "2001:db8::/32": 64501,
}


def populate_demo_network(
    session: Session,
    settings: Settings,
    *,
    mirror_base_url: str = "http://127.0.0.1:8000",
    rng_seed: int = 0,
    mark_up2date: bool = True,
) -> int:
    """Add the demo mirrors to a scanned database; running it again adds nothing twice.

    Every host carries the two main categories, the others by a seeded coin toss. With
    `mark_up2date` every directory is marked up to date by fiat (tests); without it, no
    HostCategoryDir row is written and a crawl decides (the demo command). Returns the
    number of HostCategoryDir rows added.
    """
    rng = random.Random(rng_seed)
    base = mirror_base_url.rstrip("/")
    categories = {
        c.name: (c.id, top)
        for c, top in session.execute(
            select(Category, Directory.name).join(Directory, Directory.id == Category.topdir_id)
        )
    }
    if not categories:
        raise ValueError("no categories in the database: scan the demo tree first")
    directories: dict[int, list[tuple[int, str]]] = {}
    for cat_id, dir_id, name in session.execute(
        select(CategoryDirectory.category_id, Directory.id, Directory.name)
        .join(Directory, Directory.id == CategoryDirectory.directory_id)
        .order_by(Directory.id)
    ):
        directories.setdefault(cat_id, []).append((dir_id, name))
    added = 0
    for mirror in DEMO_MIRRORS:
        host = _demo_host(session, mirror)
        slug = "" if mirror.slug == "de" else f"/{mirror.slug}"
        for cat_name, (cat_id, top) in sorted(categories.items()):
            main = cat_name in ("Fedora Linux", "Fedora EPEL")
            if not main and rng.random() < 0.5:
                continue
            hc = session.scalar(
                select(HostCategory).where(
                    HostCategory.host_id == host.id, HostCategory.category_id == cat_id
                )
            )
            if hc is None:
                hc = HostCategory(host_id=host.id, category_id=cat_id)
                session.add(hc)
                session.flush()
            # A demo run on another port leaves URLs nobody serves any more: drop them.
            session.execute(
                delete(HostCategoryUrl).where(
                    HostCategoryUrl.host_category_id == hc.id,
                    HostCategoryUrl.url.startswith("http"),
                    HostCategoryUrl.url != f"{base}{slug}/{top}",
                )
            )
            for url in (f"{base}{slug}/{top}", f"rsync://{mirror.name}/{top}"):
                if session.scalar(select(HostCategoryUrl.id).where(HostCategoryUrl.url == url)):
                    continue
                session.add(HostCategoryUrl(host_category_id=hc.id, url=url))
            have = set(
                session.scalars(
                    select(HostCategoryDir.directory_id).where(
                        HostCategoryDir.host_category_id == hc.id
                    )
                )
            )
            rows = [
                {
                    "host_category_id": hc.id,
                    "directory_id": dir_id,
                    "path": name[len(top) + 1 :] if name != top else "",
                    "up2date": True,
                }
                for dir_id, name in directories.get(cat_id, ())
                if dir_id not in have
            ]
            if rows and mark_up2date:
                session.execute(insert(HostCategoryDir), rows)
                added += len(rows)
    _ensure_rows(session, CountryContinentRedirect, "country", {"IL": {"continent": "EU"}})
    _ensure_rows(
        session, RepositoryRedirect, "from_repo", {"fedora-rawhide": {"to_repo": "rawhide"}}
    )
    _ensure_rows(
        session,
        NetblockCountry,
        "netblock",
        {nb: {"country": c} for nb, c in DEMO_NETBLOCK_COUNTRIES.items()},
    )
    _ensure_rows(
        session, NetblockAsn, "netblock", {nb: {"asn": a} for nb, a in DEMO_NETBLOCK_ASNS.items()}
    )
    session.commit()
    return added


def _demo_host(session: Session, mirror: DemoMirror) -> Host:
    site_name = f"Demo {mirror.slug.upper()} mirror site"
    site = session.scalar(select(Site).where(Site.name == site_name))
    if site is None:
        site = Site(name=site_name, org_url=f"https://{mirror.slug}.demo.example/")
        session.add(site)
        session.flush()
    host = session.scalar(select(Host).where(Host.site_id == site.id, Host.name == mirror.name))
    if host is not None:
        return host
    host = Host(
        site_id=site.id,
        name=mirror.name,
        country=mirror.country,
        bandwidth_int=mirror.bandwidth,
        private=mirror.private,
        asn=mirror.asn,
        internet2=mirror.country == "US",
    )
    session.add(host)
    session.flush()
    session.add_all(HostNetblock(host_id=host.id, netblock=nb) for nb in mirror.netblocks)
    session.add_all(HostPeerAsn(host_id=host.id, asn=asn) for asn in mirror.peer_asns)
    session.add_all(
        HostCountryAllowed(host_id=host.id, country=c) for c in mirror.countries_allowed
    )
    if mirror.location:
        location = session.scalar(select(Location).where(Location.name == mirror.location))
        if location is None:
            location = Location(name=mirror.location, description="demo cloud region")
            session.add(location)
            session.flush()
        session.add(HostLocation(host_id=host.id, location_id=location.id))
    session.flush()
    return host


def _ensure_rows(session: Session, model: Any, key: str, rows: dict[str, dict[str, Any]]) -> None:
    column = getattr(model, key)
    have = set(session.scalars(select(column).where(column.in_(list(rows)))))
    for value, fields in rows.items():
        if value not in have:
            session.add(model(**{key: value}, **fields))
    session.flush()
