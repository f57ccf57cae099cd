"""Which mirrors a client gets, and in which order (pure; see docs mirrorlist.md).

`SelectionIndex` is built once per snapshot (in a worker thread, before the swap) and holds
everything a request needs: prefix tables for host netblocks, the global netblock->ASN
table and NetblockCountry overrides, ASN -> hosts, and per distinct directory host set the
public hosts by country and continent with their URLs sorted by protocol. `select()` then
costs a few dict probes plus a weighted shuffle of the hosts it actually returns.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from mirrormanager.core.geo import continent_of
from mirrormanager.core.netblocks import Address, PrefixTable
from mirrormanager.core.snapshot_model import HostInfo, Snapshot
from mirrormanager.core.targets import Target
from mirrormanager.core.weighted import weighted_shuffle

# Default preference when the request names no protocols; rsync only when asked for.
PROTOCOL_ORDER: tuple[str, ...] = ("https", "http", "ftp", "rsync")
MIRRORLIST_PROTOCOLS: tuple[str, ...] = ("https", "http", "ftp")
METALINK_PROTOCOLS: tuple[str, ...] = ("https", "http", "ftp", "rsync")

T = TypeVar("T")
HostHosts = tuple[tuple[int, tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class DirHosts:
    """One distinct host set of directories, arranged for the selection steps."""

    # host id -> (protocol, category top URL) sorted https, http, ftp, rsync, other
    urls: dict[int, tuple[tuple[str, str], ...]]
    by_country: dict[str, tuple[int, ...]]  # public hosts only
    by_continent: dict[str, tuple[int, ...]]  # public hosts only
    public: tuple[int, ...]
    # protocols requested -> host id -> its URLs of those protocols, in that order;
    # filled on first use (a bounded number of protocol lists exists)
    for_protocols: dict[tuple[str, ...], dict[int, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )

    def urls_for(self, protocols: tuple[str, ...]) -> dict[int, tuple[tuple[str, str], ...]]:
        found = self.for_protocols.get(protocols)
        if found is None:
            found = {}
            for host_id, urls in self.urls.items():
                ordered = _order_urls(urls, protocols)
                if ordered:
                    found[host_id] = ordered
            self.for_protocols[protocols] = found
        return found


@dataclass(frozen=True, slots=True)
class Client:
    """Who asks: the address (None if unknown) and the resolved country ("" unknown)."""

    address: Address | None
    country: str


@dataclass(frozen=True, slots=True)
class Options:
    countries: tuple[str, ...] = ()  # requested country= codes, upper-case; may hold GLOBAL
    use_netblocks: bool = True
    protocols: tuple[str, ...] = MIRRORLIST_PROTOCOLS


@dataclass(frozen=True, slots=True)
class Chosen:
    host: HostInfo
    # (protocol, category top URL), preferred first; the full URL is that + `suffix`
    urls: tuple[tuple[str, str], ...]
    step: str  # netblock, asn, country, continent, global
    suffix: str = ""

    @property
    def full_urls(self) -> tuple[tuple[str, str], ...]:
        return tuple((protocol, base + self.suffix) for protocol, base in self.urls)


@dataclass(slots=True)
class Selection:
    hosts: list[Chosen] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the answer was made, for the header
    embargoed: bool = False


def _protocol_rank(protocol: str) -> int:
    try:
        return PROTOCOL_ORDER.index(protocol)
    except ValueError:
        return len(PROTOCOL_ORDER)


class SelectionIndex:
    """Per-snapshot precomputation behind `select()`; immutable once built."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        minimum: int = 5,
        embargoed: Iterable[str] = (),
        precompute: bool = True,
    ) -> None:
        self.snapshot = snapshot
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
        # Directories of one category usually share one hosts tuple (the codec interns
        # them): keyed by identity, each distinct set is arranged once. The tuple is kept
        # alive in the value so its id cannot be reused.
        self._dir_hosts: dict[int, tuple[HostHosts, DirHosts]] = {}
        self._repo_help: str | None = None
        # The routing table now lives in `asn_table`; keeping the rows too would cost a
        # worker ~60 MB at 500,000 prefixes.
        self.snapshot = dataclasses.replace(snapshot, netblock_asns=())
        if precompute:
            for name in set(snapshot.repositories.values()):
                entry = snapshot.directories.get(name) or snapshot.directories.get(
                    name + "/repodata"
                )
                if entry is not None:
                    self.dir_hosts(entry.hosts)

    def continent(self, country: str) -> str:
        return continent_of(country, self.snapshot.country_continent_redirects)

    def client_country(self, address: Address | None, geoip_country: str) -> str:
        """NetblockCountry overrides GeoIP."""
        if address is not None:
            override = self.country_overrides.longest(address)
            if override:
                return override
        return geoip_country.upper()

    def dir_hosts(self, hosts: HostHosts) -> DirHosts:
        cached = self._dir_hosts.get(id(hosts))
        if cached is not None and cached[0] is hosts:
            return cached[1]
        arranged = self._arrange(hosts)
        for protocols in (MIRRORLIST_PROTOCOLS, METALINK_PROTOCOLS):
            arranged.urls_for(protocols)  # the defaults, ready before the swap
        self._dir_hosts[id(hosts)] = (hosts, arranged)
        return arranged

    def _arrange(self, hosts: HostHosts) -> DirHosts:
        urls: dict[int, tuple[tuple[str, str], ...]] = {}
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


def _table(rows: Iterable[tuple[str, T]]) -> PrefixTable[T]:
    """A prefix table of the rows that parse (the builder validates; a stray bad row
    must not stop a load)."""
    table: PrefixTable[T] = PrefixTable()
    add = table.add
    for cidr, value in rows:
        try:
            add(cidr, value)
        except ValueError:
            continue
    return table


def _order_urls(
    urls: tuple[tuple[str, str], ...], protocols: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    wanted = [(protocols.index(p), p, base) for p, base in urls if p in protocols]
    wanted.sort(key=lambda entry: entry[0])
    return tuple((p, base) for _rank, p, base in wanted)


def select(
    index: SelectionIndex,
    target: Target,
    client: Client,
    options: Options,
    rng: random.Random,
) -> Selection:
    """Run the selection steps of mirrorlist.md for one request."""
    result = Selection()
    if client.country and client.country in index.embargoed:
        result.embargoed = True
        result.notes.append(f"country = {client.country} embargoed")
        return result
    arranged = index.dir_hosts(target.directory.hosts)
    host_urls = arranged.urls_for(options.protocols)
    suffix = target.suffix
    chosen: set[int] = set()
    hosts = index.hosts

    def usable(host_id: int) -> bool:
        if host_id in chosen or host_id not in host_urls:
            return False
        allowed = hosts[host_id].countries_allowed
        return not allowed or client.country in allowed

    def take(ids: Iterable[int], step: str) -> int:
        added = 0
        for host_id in ids:
            chosen.add(host_id)
            result.hosts.append(Chosen(hosts[host_id], host_urls[host_id], step, suffix))
            added += 1
        return added

    def weighted(ids: Iterable[int]) -> list[int]:
        candidates = [i for i in dict.fromkeys(ids) if usable(i)]
        return weighted_shuffle(candidates, lambda i: max(1, hosts[i].bandwidth), rng)

    if options.use_netblocks and client.address is not None:
        netblock_added = 0
        for _length, ids in index.host_netblocks.matches(client.address):
            group = [i for i in dict.fromkeys(ids) if usable(i)]
            rng.shuffle(group)
            netblock_added += take(group, "netblock")
        if netblock_added:
            result.notes.append("Using preferred netblock")
        asn = index.asn_table.longest(client.address)
        if asn is not None:
            group = [i for i in index.asn_hosts.get(asn, ()) if usable(i)]
            rng.shuffle(group)
            if take(group, "asn"):
                result.notes.append(f"Using ASN {asn}")

    requested = [c for c in options.countries if c != "GLOBAL"]
    if options.countries:
        found = 0
        for country in requested:
            result.notes.append(f"country = {country}")
            found += take(weighted(arranged.by_country.get(country, ())), "country")
        if requested and not found:
            for continent in dict.fromkeys(index.continent(c) for c in requested):
                if continent:
                    result.notes.append(f"continent = {continent}")
                    take(weighted(arranged.by_continent.get(continent, ())), "continent")
        if "GLOBAL" in options.countries:
            result.notes.append("country = global")
            take(weighted(arranged.public), "global")
        return result

    if client.country:
        result.notes.append(f"country = {client.country}")
        take(weighted(arranged.by_country.get(client.country, ())), "country")
        continent = index.continent(client.country)
        if continent:
            result.notes.append(f"continent = {continent}")
            take(weighted(arranged.by_continent.get(continent, ())), "continent")
    if len(result.hosts) < index.minimum:
        result.notes.append("country = global")
        take(weighted(arranged.public), "global")
    return result
