"""Hosts and the directories they carry: the part of the snapshot build that is big.

See :mod:`mirrormanager.snapshot.build` for the rules. The ``host_category_dir`` table
(tens of millions of rows at Fedora scale) is read as one aggregated, streamed query: one
row per directory with the ids of its up-to-date host categories. Identical host sets are
one shared tuple, so memory grows with the number of *distinct* sets, not of pairs.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from mirrormanager.core.snapshot_model import (
    HostInfo,
    HostUrl,
)
from mirrormanager.db.models import (
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    HostCountryAllowed,
    HostLocation,
    HostNetblock,
    HostPeerAsn,
    Location,
    Site,
)
from mirrormanager.db.models.mirrors import host_is_active
from mirrormanager.logging import get_logger

log = get_logger(__name__)

MIN_BANDWIDTH = 1
MAX_BANDWIDTH = 100_000
STREAM_BATCH = 2_000  # directories per fetch of the streamed host_category_dir aggregate

HostPair = tuple[int, tuple[int, ...]]


def clamp_bandwidth(value: int | None) -> int:
    """MirrorManager2's clamp: the weighted shuffle needs a positive, bounded weight."""
    if value is None:
        return MIN_BANDWIDTH
    return max(MIN_BANDWIDTH, min(MAX_BANDWIDTH, int(value)))


_V4_CIDR = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})")


def normalise_netblock(value: str) -> str | None:
    """A CIDR in canonical form, or None when it is not one (host names are not resolved)."""
    # Fast path for the common case, an IPv4 CIDR already in canonical form: the global ASN
    # table has hundreds of thousands of them and ipaddress takes ~10 us each.
    match = _V4_CIDR.fullmatch(value)
    if match:
        a, b, c, d, length = map(int, match.groups())
        if a < 256 and b < 256 and c < 256 and d < 256 and length <= 32:
            address = (a << 24) | (b << 16) | (c << 8) | d
            host_bits = (1 << (32 - length)) - 1
            if not address & host_bits and f"{a}.{b}.{c}.{d}/{length}" == value:
                return value
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        return None


@dataclass(slots=True)
class HostCategories:
    """The active host categories with public URLs, and what the directories need of them."""

    host: dict[int, int] = field(default_factory=dict)  # hc id -> host id
    category: dict[int, int] = field(default_factory=dict)  # hc id -> category id
    urls: dict[int, tuple[int, ...]] = field(default_factory=dict)  # hc id -> url ids
    always: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    pairs: dict[tuple[int, ...], HostPair] = field(default_factory=dict)

    def pair(self, hc_ids: tuple[int, ...]) -> HostPair:
        """(host, url ids) for one host's categories of a directory; one shared object each."""
        got = self.pairs.get(hc_ids)
        if got is None:
            urls = tuple(sorted({u for hc in hc_ids for u in self.urls[hc]}))
            got = self.pairs[hc_ids] = (self.host[hc_ids[0]], urls)
        return got


def _coordinate(value: float | None, limit: float) -> float | None:
    """A latitude/longitude as the selection may use it: None unless finite and in range."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) and -limit <= number <= limit else None


def read_hosts(session: Session, embargo: set[str]) -> dict[int, HostInfo]:
    rows = session.execute(
        select(
            Host.id,
            Host.name,
            Host.country,
            Host.bandwidth_int,
            Host.max_connections,
            Host.private,
            Site.private,
            Host.internet2,
            Host.internet2_clients,
            Host.asn,
            Host.asn_clients,
            Host.reachable_ipv4,
            Host.reachable_ipv6,
            Host.latitude,
            Host.longitude,
        )
        .join(Site, Site.id == Host.site_id)
        .where(*host_is_active())
        .order_by(Host.id)
    )
    base: dict[int, dict[str, Any]] = {}
    for (
        hid,
        name,
        country,
        bw,
        maxconn,
        hpriv,
        spriv,
        i2,
        i2c,
        asn,
        asn_clients,
        reach4,
        reach6,
        latitude,
        longitude,
    ) in rows:
        country = (country or "").upper()
        if country in embargo:
            log.info("host left out: embargoed country", host=name, country=country)
            continue
        base[hid] = {
            "id": hid,
            "name": name,
            "country": country,
            "bandwidth": clamp_bandwidth(bw),
            "max_connections": max(1, maxconn or 1),
            "private": bool(hpriv or spriv),
            "internet2": bool(i2),
            "internet2_clients": bool(i2c),
            "asn": asn,
            "asn_clients": bool(asn_clients),
            "reachable_ipv4": reach4,
            "reachable_ipv6": reach6,
            "latitude": _coordinate(latitude, 90.0),
            "longitude": _coordinate(longitude, 180.0),
        }
    netblocks: dict[int, list[str]] = defaultdict(list)
    for hid, value in session.execute(
        select(HostNetblock.host_id, HostNetblock.netblock).order_by(
            HostNetblock.host_id, HostNetblock.id
        )
    ):
        if hid not in base:
            continue
        cidr = normalise_netblock(value)
        if cidr is None:
            log.warning(
                "netblock skipped: not an IP network",
                host=base[hid]["name"],
                host_id=hid,
                netblock=value,
            )
        elif cidr not in netblocks[hid]:
            netblocks[hid].append(cidr)
    allowed = _grouped(
        session.execute(
            select(HostCountryAllowed.host_id, HostCountryAllowed.country).order_by(
                HostCountryAllowed.host_id, HostCountryAllowed.country
            )
        ),
        base,
    )
    peers = _grouped(
        session.execute(
            select(HostPeerAsn.host_id, HostPeerAsn.asn).order_by(
                HostPeerAsn.host_id, HostPeerAsn.asn
            )
        ),
        base,
    )
    locations = _grouped(
        session.execute(
            select(HostLocation.host_id, Location.name)
            .join(Location, Location.id == HostLocation.location_id)
            .order_by(HostLocation.host_id, Location.name)
        ),
        base,
    )
    return {
        hid: HostInfo(
            **info,
            countries_allowed=tuple(c.upper() for c in allowed.get(hid, ())),
            netblocks=tuple(netblocks.get(hid, ())),
            peer_asns=tuple(int(a) for a in peers.get(hid, ())),
            locations=tuple(locations.get(hid, ())),
        )
        for hid, info in base.items()
    }


def _grouped(rows: Iterable[tuple[int, Any]], keep: dict[int, Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for hid, value in rows:
        if hid in keep:
            out[hid].append(value)
    return out


def read_host_categories(
    session: Session, hosts: dict[int, HostInfo]
) -> tuple[HostCategories, dict[int, HostUrl]]:
    urls: dict[int, HostUrl] = {}
    by_hc: dict[int, list[int]] = defaultdict(list)
    for url_id, hc_id, host_id, url in session.execute(
        select(
            HostCategoryUrl.id,
            HostCategoryUrl.host_category_id,
            HostCategory.host_id,
            HostCategoryUrl.url,
        )
        .join(HostCategory, HostCategory.id == HostCategoryUrl.host_category_id)
        .where(HostCategoryUrl.private.is_(False))
        .order_by(HostCategoryUrl.id)
    ):
        if host_id in hosts:
            urls[url_id] = HostUrl(id=url_id, host_id=host_id, url=url.rstrip("/"))
            by_hc[hc_id].append(url_id)
    hcs = HostCategories()
    for hc_id, host_id, cat_id, always in session.execute(
        select(
            HostCategory.id,
            HostCategory.host_id,
            HostCategory.category_id,
            HostCategory.always_up2date,
        ).order_by(HostCategory.id)
    ):
        if host_id not in hosts or hc_id not in by_hc:
            continue  # inactive host, or no public URL to send clients to
        hcs.host[hc_id] = host_id
        hcs.category[hc_id] = cat_id
        hcs.urls[hc_id] = tuple(by_hc[hc_id])
        if always:
            hcs.always[cat_id].append(hc_id)
    return hcs, urls


def _up2date_rows(session: Session) -> Iterator[tuple[int, str, dt.datetime | None]]:
    """(directory id, "hc,hc,...": host categories with an up-to-date copy, the oldest of
    their verdict times), per directory.

    Aggregating in the database and splitting the string in C is several times faster than
    fetching tens of millions of rows into Python. The oldest verdict comes with the same
    scan: per-file precision needs it (a directory changed since then may hold files
    some host has not been checked for).
    """
    column = HostCategoryDir.host_category_id
    if session.get_bind().dialect.name == "postgresql":
        agg: Any = func.string_agg(cast(column, String), ",")
    else:
        agg = func.group_concat(column, ",")
    stmt = (
        select(HostCategoryDir.directory_id, agg, func.min(HostCategoryDir.last_checked))
        .where(HostCategoryDir.up2date.is_(True))
        .group_by(HostCategoryDir.directory_id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for dir_id, ids, oldest in session.execute(stmt):
        yield dir_id, ids or "", oldest


def epoch(value: dt.datetime) -> int:
    """Seconds since the epoch; SQLite hands back naive datetimes, stored as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp())


def carried_directories(
    session: Session,
    hcs: HostCategories,
    dir_categories: dict[int, list[int]],
    exclusive: dict[int, set[int]],
    oldest_verdicts: dict[int, int] | None = None,
) -> dict[int, tuple[HostPair, ...]]:
    """directory id -> its hosts; equal host sets are one shared tuple. ``oldest_verdicts``,
    when given, gets directory id -> the epoch of its oldest up-to-date verdict.

    Host categories are handled as the decimal strings the aggregate returns, so the
    per-directory work is C-level set intersection: only each distinct set is built in
    Python.
    """
    # Per category, the host categories that may serve its directories; "always" ones serve
    # them all without rows.
    valid: dict[int, set[str]] = defaultdict(set)
    always: dict[int, frozenset[str]] = {}
    for hc, cat in hcs.category.items():
        valid[cat].add(str(hc))
    for cat, hc_list in hcs.always.items():
        always[cat] = frozenset(str(hc) for hc in hc_list)
    valid_sets = {cat: frozenset(members) for cat, members in valid.items()}
    empty: frozenset[str] = frozenset()
    shared: dict[str, tuple[HostPair, ...]] = {}
    out: dict[int, tuple[HostPair, ...]] = {}
    by_host = itemgetter(0)

    # A host has one host category per category, so in a directory of one category each
    # host category is a whole (host, urls) pair; only directories in several categories
    # need merging.
    single = {str(hc): hcs.pair((hc,)) for hc in hcs.host}

    def host_set(chosen: frozenset[str], merge: bool) -> tuple[HostPair, ...]:
        if not merge:
            return tuple(sorted(map(single.__getitem__, chosen), key=by_host))
        per_host: dict[int, list[int]] = defaultdict(list)
        for hc in map(int, chosen):
            per_host[hcs.host[hc]].append(hc)
        return tuple(
            sorted((hcs.pair(tuple(sorted(ids))) for ids in per_host.values()), key=by_host)
        )

    def finish(dir_id: int, ids: str) -> None:
        cats = dir_categories.get(dir_id)
        if not cats:
            return
        parts = ids.split(",") if ids else ()
        if len(cats) == 1:
            chosen = valid_sets.get(cats[0], empty).intersection(parts)
            extra = always.get(cats[0])
            if extra:
                chosen = chosen | extra
        else:
            chosen = frozenset().union(
                *(valid_sets.get(c, empty).intersection(parts) for c in cats),
                *(always.get(c, empty) for c in cats),
            )
        only = exclusive.get(dir_id)
        if only is not None:
            chosen = frozenset(hc for hc in chosen if hcs.host[int(hc)] in only)
        if not chosen:
            return
        # A compact key: keeping the sets themselves would keep millions of small strings.
        key = ",".join(sorted(chosen))
        hosts = shared.get(key)
        if hosts is None:
            hosts = shared[key] = host_set(chosen, len(cats) > 1)
        out[dir_id] = hosts

    seen: set[int] = set()
    for dir_id, ids, oldest in _up2date_rows(session):
        seen.add(dir_id)
        finish(dir_id, ids)
        if oldest_verdicts is not None and oldest is not None:
            oldest_verdicts[dir_id] = epoch(oldest)
    if hcs.always:
        for dir_id in dir_categories.keys() - seen:
            finish(dir_id, "")
    log.debug("host sets", directories=len(out), distinct=len(shared), pairs=len(hcs.pairs))
    return out
