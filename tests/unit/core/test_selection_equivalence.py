"""`pick()`/`select()` (precomputed strata, pre-rendered records) against the plain
per-request algorithm they replaced: same seed, same hosts in the same order, same notes."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.geo import country_centroid, distance_km
from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options, select
from mirrormanager.core.selection_index import METALINK_PROTOCOLS, Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot
from mirrormanager.core.targets import Target, resolve_repo
from mirrormanager.core.weighted import exponential_order, weighted_shuffle
from tests.data import snapshots as data


def reference(
    index: SelectionIndex, target: Target, client: Client, options: Options, rng: random.Random
) -> tuple[list[tuple[int, str, tuple[tuple[str, str], ...]]], list[str]]:
    """The selection steps of mirrorlist.md written the obvious way, one host at a time."""
    notes: list[str] = []
    out: list[tuple[int, str, tuple[tuple[str, str], ...]]] = []
    if client.country and client.country in index.embargoed:
        return out, [f"country = {client.country} embargoed"]
    arranged = index.dir_hosts(target.directory.hosts)
    records = index.view(arranged, options.protocols).records
    hosts = index.hosts
    chosen: set[int] = set()

    def usable(i: int) -> bool:
        allowed = hosts[i].countries_allowed
        return i not in chosen and i in records and (not allowed or client.country in allowed)

    def take(ids: Iterable[int], step: str) -> int:
        n = 0
        for i in ids:
            chosen.add(i)
            out.append((i, step, records[i].urls))
            n += 1
        return n

    cell = index.cell(client)

    def band(i: int) -> int:
        """1,000 km bands from the client's cell; hosts without a position last."""
        host = hosts[i]
        if host.latitude is not None and host.longitude is not None:
            where = (host.latitude, host.longitude)
        else:
            where = country_centroid(host.country)
        if cell is None:
            return 0
        return 22 if where is None else min(21, int(distance_km(cell, where) // 1000))

    def weighted(ids: Iterable[int], *, by_distance: bool = False) -> list[int]:
        keyed = []
        candidates = [j for j in dict.fromkeys(ids) if usable(j)]
        if by_distance:  # the keys are drawn nearest band first (a stable sort)
            candidates.sort(key=band)
        for position, i in enumerate(candidates):
            w = max(1, hosts[i].bandwidth)
            near = band(i) if by_distance else 0
            keyed.append((near, -math.log(1.0 - rng.random()) / w, position, i))
        keyed.sort(key=lambda e: (e[0], e[1], e[2]))
        return [i for _b, _k, _p, i in keyed]

    if options.use_netblocks and client.address is not None:
        added = 0
        for _length, ids in index.host_netblocks.matches(client.address):
            group = [i for i in dict.fromkeys(ids) if usable(i)]
            rng.shuffle(group)
            added += take(group, "netblock")
        if added:
            notes.append("Using preferred netblock")
        asn = index.asn_table.longest(client.address)
        if asn is not None:
            group = [i for i in index.asn_hosts.get(asn, ()) if usable(i)]
            rng.shuffle(group)
            if take(group, "asn"):
                notes.append(f"Using ASN {asn}")
    requested = [c for c in options.countries if c != "GLOBAL"]
    if options.countries:
        found = 0
        for country in requested:
            notes.append(f"country = {country}")
            found += take(weighted(arranged.by_country.get(country, ())), "country")
        if requested and not found:
            for continent in dict.fromkeys(index.continent(c) for c in requested):
                if continent:
                    notes.append(f"continent = {continent}")
                    near = weighted(arranged.by_continent.get(continent, ()), by_distance=True)
                    take(near, "continent")
        if "GLOBAL" in options.countries:
            notes.append("country = global")
            take(weighted(arranged.public, by_distance=True), "global")
        return out, notes
    if client.country:
        notes.append(f"country = {client.country}")
        take(weighted(arranged.by_country.get(client.country, ())), "country")
        continent = index.continent(client.country)
        if continent:
            notes.append(f"continent = {continent}")
            take(weighted(arranged.by_continent.get(continent, ()), by_distance=True), "continent")
    if len(out) < index.minimum:
        notes.append("country = global")
        take(weighted(arranged.public, by_distance=True), "global")
    return out, notes


def same(index: SelectionIndex, target: Target, client: Client, options: Options, seed: int):
    got = select(index, target, client, options, random.Random(seed))
    want, notes = reference(index, target, client, options, random.Random(seed))
    assert [(c.host.id, c.step, c.urls) for c in got.hosts] == want
    assert got.notes == notes


PLACES = [None, (24.71, 46.68), (35.68, 139.69)]
COUNTRIES = ["DE", "AT", "FR", "US", "CA", "JP", "BR", "", "KP"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3000),  # bandwidth (0 is clamped to 1)
            st.sampled_from(COUNTRIES[:-2]),
            st.booleans(),  # private
            st.sampled_from([(), ("DE",), ("US", "CA")]),  # countries_allowed
            st.sets(st.sampled_from(["https", "http", "ftp", "rsync"]), min_size=1),
            st.sampled_from(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "192.0.2.0/24", ""]),
            st.sampled_from([None, 64500, 64501]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from(COUNTRIES),
    st.sampled_from(["10.1.2.3", "192.0.2.9", "8.8.8.8", None]),
    st.sampled_from([(), ("DE",), ("AT", "GLOBAL"), ("BE",), ("GLOBAL",), ("DE", "DE")]),
    st.sampled_from([("https", "http", "ftp"), METALINK_PROTOCOLS, ("rsync",), ("ftp", "https")]),
    st.booleans(),
    st.integers(0, 8),
    st.integers(0, 2**32),
    st.booleans(),
)
def test_same_answer_as_the_plain_algorithm(
    rows, country, ip, countries, protocols, use_netblocks, minimum, seed, by_distance
) -> None:
    hosts = {}
    urls = {}
    for i, (bw, cc, private, allowed, protos, block, asn) in enumerate(rows, start=1):
        hosts[i] = HostInfo(
            i,
            f"h{i}",
            cc,
            bw,
            1,
            private,
            asn=asn,
            countries_allowed=allowed,
            netblocks=(block,) if block else (),
            peer_asns=(64500,) if i % 3 == 0 else (),
            # some hosts placed by their operators (Riyadh, Tokyo), the rest by country
            latitude=PLACES[i % 3][0] if PLACES[i % 3] else None,
            longitude=PLACES[i % 3][1] if PLACES[i % 3] else None,
        )
        for n, proto in enumerate(sorted(protos)):
            urls[i * 10 + n] = HostUrl(i * 10 + n, i, f"{proto}://h{i}.example/pub")
    entry = DirectoryEntry(
        "pub/d", "d", tuple((i, tuple(u for u in urls if u // 10 == i)) for i in hosts)
    )
    snap = Snapshot(
        1,
        1,
        hosts,
        urls,
        {"pub/d": entry},
        {("r", "a"): "pub/d"},
        netblock_asns=(("8.8.0.0/16", 64500), ("10.0.0.0/8", 64501)),
        embargoed_countries=frozenset({"KP"}),
    )
    index = SelectionIndex(snap, minimum=minimum, distance_order=by_distance)
    target = resolve_repo(snap, "r", "a", metalink=False)
    address = parse_address(ip) if ip else None
    client = Client(address, country, PLACES[seed % 3])
    same(index, target, client, Options(countries, use_netblocks, protocols), seed)


def test_same_answer_on_the_test_network() -> None:
    index = SelectionIndex(data.build(), minimum=5, embargoed=("CU",))
    target = resolve_repo(index.snapshot, "fedora-41", "x86_64", metalink=True)
    for seed in range(40):
        for ip in (None, "198.51.100.200", "192.0.2.10", "203.0.113.5", "100.64.1.1"):
            address = parse_address(ip) if ip else None
            for geo in ("DE", "US", "AT", "CA", "", "CU", "KP", "BR"):
                client = Client(address, index.client_country(address, geo))
                same(index, target, client, Options(), seed)
                same(index, target, client, Options(protocols=METALINK_PROTOCOLS), seed)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10_000), max_size=40), st.integers(0, 2**32))
def test_exponential_order_is_weighted_shuffle(weights: list[int], seed: int) -> None:
    items = list(range(len(weights)))
    expected = weighted_shuffle(items, weights.__getitem__, random.Random(seed))
    rng = random.Random(seed)
    assert exponential_order([-float(w) for w in weights], rng) == expected
    # and the stream is left where weighted_shuffle leaves it
    after = random.Random(seed)
    weighted_shuffle(items, weights.__getitem__, after)
    assert rng.random() == after.random()
