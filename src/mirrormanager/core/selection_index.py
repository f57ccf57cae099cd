"""What the selection reads: built once per snapshot, answers never change (pure).

`SelectionIndex` is built once per snapshot (in a worker thread, before the swap) and holds
everything a request needs: prefix tables for host netblocks, the global netblock->ASN
table and NetblockCountry overrides, ASN -> hosts, and per distinct directory host set the
public hosts by country and continent. Per (host set, protocols) a `HostView` holds each
host's `HostRecord` (its URLs, ordered, and the answer bytes the caller's `Prepare` made
from them once: core imports no format) and, built on first use, the candidate `Stratum`
of each country, continent, continent-without-country and the world: records and negated
weights as tuples, ready for the weighted shuffle. The steps that read it are in
`core.selection`.
"""

from __future__ import annotations

import dataclasses
import random
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Protocol, TypeVar

from mirrormanager.core.distance import BandTable, cell_of
from mirrormanager.core.geo import Position, continent_of, country_centroid
from mirrormanager.core.netblocks import Address, PrefixTable, longest
from mirrormanager.core.snapshot_model import HostInfo, Snapshot
from mirrormanager.core.targets import RepoTargets
from mirrormanager.core.weighted import exponential_order, segmented_order

# Default preference when the request names no protocols; rsync only when asked for.
PROTOCOL_ORDER: tuple[str, ...] = ("https", "http", "ftp", "rsync")
MIRRORLIST_PROTOCOLS: tuple[str, ...] = ("https", "http", "ftp")
METALINK_PROTOCOLS: tuple[str, ...] = ("https", "http", "ftp", "rsync")

# Distinct per-file host sets kept arranged (each costs about what its directory's does).
FILE_HOST_SETS = 256

T = TypeVar("T")
HostHosts = tuple[tuple[int, tuple[int, ...]], ...]
Urls = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One host with its URLs of the requested protocols (preferred first), and the
    answer bytes its `Prepare` made from them once (empty without one: core renders
    nothing; the mirrorlist server passes the formats' preparation)."""

    host: HostInfo
    urls: Urls  # (protocol, category top URL); the full URL is that + the target's suffix
    line: bytes = b""  # mirrorlist: the first URL, UTF-8, without suffix
    segments: tuple[bytes, ...] = ()  # metalink: `formats.metalink.url_segments`
    packed: bytes = b""  # metalink: `formats.metalink.pack_parts`


class Prepare(Protocol):
    """Makes a host's record, pre-rendering whatever the caller's answers need."""

    def __call__(self, host: HostInfo, urls: Urls, /) -> HostRecord: ...


def plain_record(host: HostInfo, urls: Urls, /) -> HostRecord:
    """A record without pre-rendered bytes (selection only: tests, `explain`)."""
    return HostRecord(host, urls)


# client cells remembered per stratum: ~20 bytes a candidate each (a country database
# gives one cell per country; a city database more, then the oldest are dropped)
_MAX_CELLS = 512


@dataclass(frozen=True, slots=True)
class Stratum:
    """The candidates of one selection step for one host set and protocol list.

    A *banded* stratum (`SelectionIndex.near`) holds the same candidates sorted by
    distance band from one client cell, `segments` the end of each band's run: a draw
    then shuffles within each run, nearer runs first, at no more cost than one shuffle.
    """

    records: tuple[HostRecord, ...]
    weights: tuple[float, ...]  # -max(1, bandwidth), for `exponential_order`
    position: dict[int, int]  # host id -> index in `records`
    restricted: tuple[tuple[int, tuple[str, ...]], ...]  # (index, countries_allowed)
    segments: tuple[int, ...] = ()  # banded: end index of each band's run, ascending
    # banded: `position` is the unbanded stratum's (shared, not copied) and `remap[p]`
    # the banded index of its index p (4 bytes a host instead of a dict entry)
    remap: array[int] | None = None
    # client cell -> this stratum banded from there (`SelectionIndex.near`)
    banded: dict[Position, Stratum] = field(default_factory=dict)

    def draw(
        self,
        rng: random.Random,
        country: str,
        chosen: Collection[int],
        skip: Collection[int] = (),
    ) -> list[HostRecord]:
        """Weighted shuffle of the candidates not in `chosen` nor `skip` that allow
        `country` (within each band's run, nearer runs first, when banded)."""
        records: Sequence[HostRecord] = self.records
        weights: Sequence[float] = self.weights
        segments: Sequence[int] = self.segments
        drop: list[int] = []
        for ids in (chosen, skip):
            if not ids:
                continue
            if len(ids) < len(records):
                found = [p for p in map(self.position.get, ids) if p is not None]
                drop += found if self.remap is None else map(self.remap.__getitem__, found)
            else:
                drop += [p for p, r in enumerate(records) if r.host.id in ids]
        if self.restricted:
            drop += [p for p, allowed in self.restricted if country not in allowed]
        if drop:
            gone = set(drop)
            if len(gone) > 16:
                records = [r for p, r in enumerate(records) if p not in gone]
                weights = [w for p, w in enumerate(weights) if p not in gone]
            else:
                records, weights = list(records), list(weights)
                for p in sorted(gone, reverse=True):
                    del records[p]
                    del weights[p]
            if segments:
                removed = sorted(gone)
                segments = [end - bisect_left(removed, end) for end in segments]
        if segments:
            order = segmented_order(weights, segments, rng)
        else:
            order = exponential_order(weights, rng)
        if len(order) < 2:
            return [records[k] for k in order]
        return list(itemgetter(*order)(records))  # one C call for the gather


_EMPTY = Stratum((), (), {}, ())


class HostView:
    """A host set seen through one protocol list: records and (lazily) strata.

    Its strata partition the set three ways (countries, continents, the world), so they
    hold at most three entries per host whatever the traffic.
    """

    __slots__ = ("_families", "_strata", "by_continent", "by_country", "public", "records")

    def __init__(self, arranged: DirHosts, records: dict[int, HostRecord]) -> None:
        # no reference back to `arranged`, which holds the view: no cycle for the GC
        self.by_country = arranged.by_country
        self.by_continent = arranged.by_continent
        self.public = arranged.public
        self.records = records
        self._strata: dict[tuple[str, str], Stratum] = {}
        self._families: dict[int, bool] = {}

    def carries_any(self, family: int, hosts: frozenset[int]) -> bool:
        """Whether any of `hosts` (those unreachable in `family`) is in this view."""
        found = self._families.get(family)
        if found is None:
            found = self._families[family] = not hosts.isdisjoint(self.records)
        return found

    def _stratum(self, ids: Iterable[int]) -> Stratum:
        records = self.records
        found = [records[i] for i in dict.fromkeys(ids) if i in records]
        if not found:
            return _EMPTY
        return Stratum(
            records=tuple(found),
            weights=tuple(-float(max(1, r.host.bandwidth)) for r in found),
            position={r.host.id: p for p, r in enumerate(found)},
            restricted=tuple(
                (p, r.host.countries_allowed)
                for p, r in enumerate(found)
                if r.host.countries_allowed
            ),
        )

    def country(self, country: str) -> Stratum:
        key = ("c", country)
        found = self._strata.get(key)
        if found is None:
            found = self._strata[key] = self._stratum(self.by_country.get(country, ()))
        return found

    def continent(self, continent: str) -> Stratum:
        key = ("k", continent)
        found = self._strata.get(key)
        if found is None:
            found = self._strata[key] = self._stratum(self.by_continent.get(continent, ()))
        return found

    def world(self) -> Stratum:
        key = ("g", "")
        found = self._strata.get(key)
        if found is None:
            found = self._strata[key] = self._stratum(self.public)
        return found


@dataclass(frozen=True, slots=True)
class DirHosts:
    """One distinct host set of directories, arranged for the selection steps."""

    # host id -> (protocol, category top URL) sorted https, http, ftp, rsync, other
    urls: dict[int, Urls]
    by_country: dict[str, tuple[int, ...]]  # public hosts only
    by_continent: dict[str, tuple[int, ...]]  # public hosts only
    public: tuple[int, ...]
    # protocols requested -> the view; filled on first use (a bounded number of protocol
    # lists exists: ordered subsets of four)
    views: dict[tuple[str, ...], HostView] = field(default_factory=dict)


@dataclass(slots=True)  # not frozen: one is made per request, ~1 µs less; none is changed
class Client:
    """Who asks: the address (None if unknown), the resolved country ("" unknown) and,
    from a GeoIP city database, the position (else the country's centroid is used).
    Here, not with the steps' `Options`: `SelectionIndex.cell` reads it."""

    address: Address | None
    country: str
    position: Position | None = None


def _protocol_rank(protocol: str) -> int:
    try:
        return PROTOCOL_ORDER.index(protocol)
    except ValueError:
        return len(PROTOCOL_ORDER)


class SelectionIndex:
    """Per-snapshot precomputation behind `pick()`/`select()`; its answers never change."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        minimum: int = 5,
        embargoed: Iterable[str] = (),
        precompute: bool = True,
        prepare: Prepare = plain_record,
        strict_family: bool = False,
        distance_order: bool = True,
    ) -> None:
        self.snapshot = snapshot
        self.prepare = prepare
        self.strict_family = strict_family
        self.distance_order = distance_order
        self.band_table = BandTable(snapshot.hosts)
        # hosts the crawler found unreachable over IPv4 / IPv6 (None, unknown, is not)
        self.unreachable: dict[int, frozenset[int]] = {
            4: frozenset(h.id for h in snapshot.hosts.values() if h.reachable_ipv4 is False),
            6: frozenset(h.id for h in snapshot.hosts.values() if h.reachable_ipv6 is False),
        }
        self.minimum = minimum
        self.embargoed = frozenset(c.upper() for c in embargoed) | snapshot.embargoed_countries
        self.hosts = snapshot.hosts
        self.host_netblocks: PrefixTable[tuple[int, ...]] = PrefixTable()
        for host in snapshot.hosts.values():
            for cidr in host.netblocks:
                try:
                    self.host_netblocks.add(cidr, (host.id,), lambda a, b: a + b)
                except ValueError:
                    continue  # the builder validates; a stray bad row must not stop a load
        self.host_netblocks.freeze(matches=True)
        self.asn_table: PrefixTable[int] = _table(snapshot.netblock_asns)
        self.country_overrides: PrefixTable[str] = _table(
            (cidr, cc.upper()) for cidr, cc in snapshot.netblock_countries.items()
        )
        asn_hosts: dict[int, list[int]] = defaultdict(list)
        for host in snapshot.hosts.values():
            if host.asn is not None and host.asn_clients:
                asn_hosts[host.asn].append(host.id)
            for peer in host.peer_asns:
                if host.id not in asn_hosts[peer]:
                    asn_hosts[peer].append(host.id)
        self.asn_hosts = {asn: tuple(ids) for asn, ids in asn_hosts.items()}
        self._continents: dict[str, str] = {}
        self._country_cells: dict[str, Position | None] = {}  # country -> `cell` w/o position
        # Directories of one category usually share one hosts tuple (the codec interns
        # them): keyed by identity, each distinct set is arranged once. The tuple is kept
        # alive in the value so its id cannot be reused.
        self._dir_hosts: dict[int, tuple[HostHosts, DirHosts]] = {}
        # Host sets made per request (the carriers of one file, see targets.carriers): by
        # content, least recently used first, at most FILE_HOST_SETS of them.
        self._file_hosts: OrderedDict[HostHosts, DirHosts] = OrderedDict()
        # (host id, ordered URLs) -> record: shared by every host set holding those URLs
        self._records: dict[tuple[int, Urls], HostRecord] = {}
        self._repo_help: str | None = None
        # The routing table now lives in `asn_table`; keeping the rows too would cost a
        # worker ~60 MB at 500,000 prefixes.
        self.snapshot = dataclasses.replace(snapshot, netblock_asns=())
        # the requests' repo/arch -> Target look-ups, kept for this snapshot (holding the
        # copy above: the original would keep the routing table's rows alive)
        self.targets = RepoTargets(self.snapshot)
        if precompute:
            for name in set(snapshot.repositories.values()):
                # the host set `resolve_repo` answers from: repodata's, else the repo's
                entry = snapshot.directories.get(
                    name.removesuffix("/repodata") + "/repodata"
                ) or snapshot.directories.get(name)
                if entry is not None:
                    self.dir_hosts(entry.hosts)

    def continent(self, country: str) -> str:
        found = self._continents.get(country)
        if found is None:
            found = continent_of(country, self.snapshot.country_continent_redirects)
            if len(self._continents) < 4096:  # country codes are few; clients' are checked
                self._continents[country] = found
        return found

    def cell(self, client: Client) -> Position | None:
        """Where distances are measured from (rounded to whole degrees, ~100 km, so the
        bands of a stratum are computed once per cell); None: no distance ordering."""
        if not self.distance_order:
            return None
        if client.position is None:  # a country database: the country's centroid
            try:
                return self._country_cells[client.country]  # ~0.1 us instead of ~0.3 us
            except KeyError:
                position = country_centroid(client.country)
                found = None if position is None else cell_of(position)
                if len(self._country_cells) < 4096:  # codes are few; clients' are checked
                    self._country_cells[client.country] = found
                return found
        return cell_of(client.position)

    def near(self, stratum: Stratum, cell: Position) -> Stratum:
        """`stratum` banded by distance from `cell` (made once per stratum and cell)."""
        found = stratum.banded.get(cell)
        if found is None:
            if len(stratum.banded) >= _MAX_CELLS:
                stratum.banded.clear()
            offsets = self.band_table.for_hosts(cell, stratum.position)
            n = len(offsets)
            # C-level passes only: this runs once per (stratum, client cell)
            order = sorted(range(n), key=offsets.__getitem__)  # stable
            records: tuple[HostRecord, ...] = _gather(stratum.records, order)
            weights: tuple[float, ...] = _gather(stratum.weights, order)
            remap = array("I", sorted(range(n), key=order.__getitem__))  # the inverse
            ranked = list(map(offsets.__getitem__, order))
            ends = tuple(bisect_right(ranked, band) for band in sorted(set(ranked)))
            found = stratum.banded[cell] = Stratum(
                records=records,
                weights=weights,
                position=stratum.position,
                restricted=tuple((remap[p], allowed) for p, allowed in stratum.restricted),
                segments=ends,
                remap=remap,
            )
        return found

    def client_country(self, address: Address | None, geoip_country: str) -> str:
        """NetblockCountry overrides GeoIP."""
        if address is not None:
            override = longest(self.country_overrides, address)  # compiled when built
            if override:
                return override
        return geoip_country.upper()

    def dir_hosts(self, hosts: HostHosts, *, transient: bool = False) -> DirHosts:
        """The arranged host set; ``transient`` sets (made per request) go to a bounded
        cache keyed by content instead of the per-snapshot one keyed by identity."""
        if transient:
            return self._transient_hosts(hosts)
        cached = self._dir_hosts.get(id(hosts))
        if cached is not None and cached[0] is hosts:
            return cached[1]
        arranged = self._arrange(hosts)
        for protocols in (MIRRORLIST_PROTOCOLS, METALINK_PROTOCOLS):
            self.view(arranged, protocols)  # the defaults, ready before the swap
        self._dir_hosts[id(hosts)] = (hosts, arranged)
        return arranged

    def _transient_hosts(self, hosts: HostHosts) -> DirHosts:
        cache = self._file_hosts
        found = cache.get(hosts)
        if found is not None:
            cache.move_to_end(hosts)
            return found
        found = cache[hosts] = self._arrange(hosts)
        while len(cache) > FILE_HOST_SETS:
            cache.popitem(last=False)
        return found

    def view(self, arranged: DirHosts, protocols: tuple[str, ...]) -> HostView:
        """The host set's records and strata for one protocol list (made on first use)."""
        found = arranged.views.get(protocols)
        if found is None:
            records: dict[int, HostRecord] = {}
            for host_id, urls in arranged.urls.items():
                ordered = _order_urls(urls, protocols)
                if ordered:
                    records[host_id] = self._record(host_id, ordered)
            found = arranged.views[protocols] = HostView(arranged, records)
        return found

    def _record(self, host_id: int, urls: Urls) -> HostRecord:
        key = (host_id, urls)
        found = self._records.get(key)
        if found is None:
            found = self._records[key] = self.prepare(self.hosts[host_id], urls)
        return found

    def _arrange(self, hosts: HostHosts) -> DirHosts:
        urls: dict[int, Urls] = {}
        by_country: dict[str, list[int]] = defaultdict(list)
        by_continent: dict[str, list[int]] = defaultdict(list)
        public: list[int] = []
        for host_id, url_ids in hosts:
            host = self.hosts.get(host_id)
            if host is None:
                continue
            found = [
                (u.protocol, u.url)
                for u in (self.snapshot.urls.get(i) for i in url_ids)
                if u is not None
            ]
            if not found:
                continue
            found.sort(key=lambda pu: _protocol_rank(pu[0]))
            urls[host_id] = tuple(found)
            if host.private:
                continue
            public.append(host_id)
            by_country[host.country].append(host_id)
            by_continent[self.continent(host.country)].append(host_id)
        return DirHosts(
            urls=urls,
            by_country={k: tuple(v) for k, v in by_country.items()},
            by_continent={k: tuple(v) for k, v in by_continent.items()},
            public=tuple(public),
        )

    def repository_help(self) -> str:
        """The `# repo=…&arch=…` lines of the invalid-repo answer, built once."""
        if self._repo_help is None:
            self._repo_help = "".join(
                f"# repo={repo}&arch={arch}\n" for repo, arch in sorted(self.snapshot.repositories)
            )
        return self._repo_help


def _gather(items: Sequence[T], order: Sequence[int]) -> tuple[T, ...]:
    """`items` in `order`, in one C call (itemgetter of one index returns no tuple)."""
    if len(order) < 2:
        return tuple(items[p] for p in order)
    return tuple(itemgetter(*order)(items))


def _table(rows: Iterable[tuple[str, T]]) -> PrefixTable[T]:
    """A prefix table of the rows that parse (the builder validates; a stray bad row
    must not stop a load)."""
    table: PrefixTable[T] = PrefixTable()
    table.update(rows)
    return table.freeze()


def _order_urls(urls: Urls, protocols: Sequence[str]) -> Urls:
    wanted = [(protocols.index(p), p, base) for p, base in urls if p in protocols]
    wanted.sort(key=lambda entry: entry[0])
    return tuple((p, base) for _rank, p, base in wanted)
