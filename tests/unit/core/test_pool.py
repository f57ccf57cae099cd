"""`AnswerPools`: answers served from per-class pools keep the meaning of `pick()`."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.pool import AnswerPools
from mirrormanager.core.selection import Options, Picked, pick
from mirrormanager.core.selection_index import METALINK_PROTOCOLS, Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot

COUNTRIES = ("DE", "AT", "FR", "BE", "US", "CA", "JP", "SA", "")
PLACES = (None, (24.7, 46.7), (35.7, 139.7))


def network(rows: list[tuple[int, str, bool, tuple[str, ...], str, bool | None]]) -> Snapshot:
    hosts = {}
    urls = {}
    for i, (bw, cc, private, allowed, block, v6) in enumerate(rows, start=1):
        hosts[i] = HostInfo(
            i,
            f"h{i}",
            cc,
            bw,
            1,
            private,
            asn=64500 + i % 2,
            asn_clients=i % 4 == 0,
            countries_allowed=allowed,
            netblocks=(block,) if block else (),
            peer_asns=(64500,) if i % 3 == 0 else (),
            reachable_ipv6=v6,
            latitude=PLACES[i % 3][0] if PLACES[i % 3] else None,
            longitude=PLACES[i % 3][1] if PLACES[i % 3] else None,
        )
        for n, proto in enumerate(("https", "http")):
            urls[i * 10 + n] = HostUrl(i * 10 + n, i, f"{proto}://h{i}.example/pub")
    entry = DirectoryEntry(
        "pub/d", "d", tuple((i, tuple(u for u in urls if u // 10 == i)) for i in hosts)
    )
    return Snapshot(
        1,
        1,
        hosts,
        urls,
        {"pub/d": entry},
        {("r", "a"): "pub/d"},
        netblock_asns=(("8.8.0.0/16", 64500), ("10.0.0.0/8", 64501)),
        embargoed_countries=frozenset({"KP"}),
    )


# rows for `network()`: bandwidth, country, private, countries allowed, netblock, IPv6
HOST_ROWS = st.lists(
    st.tuples(
        st.integers(0, 3000),
        st.sampled_from(COUNTRIES[:-1]),
        st.booleans(),
        st.sampled_from([(), ("DE",), ("US", "CA")]),
        st.sampled_from(["10.0.0.0/8", "10.1.2.0/24", "10.1.0.0/16", "2001:db8::/32", ""]),
        st.sampled_from([None, None, True, False]),
    ),
    min_size=1,
    max_size=25,
)


def shape(answer: Picked) -> tuple[object, ...]:
    """What must not change: per step its name and its set of hosts; notes; flags."""
    runs = []
    start = 0
    for step, count in answer.steps:
        runs.append((step, frozenset(r.host.id for r in answer.records[start : start + count])))
        start += count
    assert start == len(answer.records)
    ids = [r.host.id for r in answer.records]
    assert len(ids) == len(set(ids)), "a host appears once"
    return (runs, answer.notes, answer.embargoed, answer.family_note)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3000),
            st.sampled_from(COUNTRIES[:-1]),
            st.booleans(),
            st.sampled_from([(), ("DE",), ("US", "CA")]),
            st.sampled_from(["10.0.0.0/8", "10.1.2.0/24", "2001:db8::/32", ""]),
            st.sampled_from([None, None, True, False]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from(COUNTRIES),
    st.sampled_from(["10.1.2.3", "8.8.8.8", "2001:db8::1", "192.0.2.1", None]),
    st.sampled_from([(), ("DE",), ("AT", "GLOBAL"), ("GLOBAL",)]),
    st.booleans(),
    st.integers(0, 8),
    st.integers(0, 2**32),
    st.booleans(),
    st.booleans(),
)
def test_pooled_answers_have_the_steps_hosts_and_notes_of_pick(
    rows, country, ip, countries, use_netblocks, minimum, seed, by_distance, strict
) -> None:
    snap = network(rows)
    index = SelectionIndex(snap, minimum=minimum, distance_order=by_distance, strict_family=strict)
    pools = AnswerPools(index, size=3)
    hosts = snap.directories["pub/d"].hosts
    address = parse_address(ip) if ip else None
    client = Client(address, country, PLACES[seed % 3])
    options = Options(countries, use_netblocks, METALINK_PROTOCOLS)
    rng = random.Random(seed)
    want = shape(pick(index, hosts, client, options, rng))
    for n in range(8):  # filling the pool, then served from it, refreshed midway
        assert shape(pools.pick(hosts, client, options, rng)) == want
        if n == 4:
            pools.refresh(rng, max_draws=2)
    # a client of the same class without the netblock match gets the class's answer
    other = Client(parse_address("192.0.2.77"), country, PLACES[seed % 3])
    assert shape(pools.pick(hosts, other, options, rng)) == shape(
        pick(index, hosts, other, options, rng)
    )


def chi_square_critical(df: int, z: float = 2.326348) -> float:
    """Upper critical value of chi-square at p = 0.01 (z: the normal 99 % quantile), by
    the Wilson-Hilferty approximation (no scipy)."""
    c = 2 / (9 * df)
    return df * (1 - c + z * math.sqrt(c)) ** 3


def first_positions(client: Client, *, distance: bool) -> tuple[Counter[int], set[int], dict]:
    bandwidths = [10, 50, 100, 100, 250, 400, 1000, 3000, 30, 700, 1]
    rows = [(bw, "DE", False, (), "", None) for bw in bandwidths]
    rows += [(500, "AT", False, (), "", None), (200, "FR", False, (), "", None)]
    snap = network(rows)
    index = SelectionIndex(snap, minimum=5, distance_order=distance)
    pools = AnswerPools(index, size=16)
    hosts = snap.directories["pub/d"].hosts
    rng = random.Random(20_000)
    first: Counter[int] = Counter()
    seen: set[int] = set()
    options = Options(protocols=METALINK_PROTOCOLS)
    for _ in range(20_000):
        answer = pools.pick(hosts, client, options, rng)
        first[answer.records[0].host.id] += 1
        seen.update(r.host.id for r in answer.records)
    assert pools.hits >= 20_000 - 16, "served from the pool"
    return first, seen, {h.id: h for h in snap.hosts.values()}


def test_first_position_follows_bandwidth_share_and_every_host_appears() -> None:
    client = Client(parse_address("192.0.2.1"), "DE")
    first, seen, hosts = first_positions(client, distance=True)
    country = {i: h.bandwidth for i, h in hosts.items() if h.country == "DE"}
    total = sum(country.values())
    assert set(first) <= set(country)
    statistic = sum(
        (first[i] - 20_000 * bw / total) ** 2 / (20_000 * bw / total) for i, bw in country.items()
    )
    assert statistic < chi_square_critical(len(country) - 1)
    assert seen == set(hosts), "every eligible host appears"


@pytest.mark.parametrize("distance", [False, True])
def test_first_position_of_the_continent_step_follows_bandwidth_share(distance) -> None:
    # no host in the client's country: the continent step; with distance ordering its
    # nearest band first: the hosts placed at their country's centroid (the others are
    # in Riyadh and Tokyo, see `network`)
    client = Client(parse_address("192.0.2.1"), "BE")
    first, seen, hosts = first_positions(client, distance=distance)
    run = {i: h.bandwidth for i, h in hosts.items() if not distance or i % 3 == 0}
    total = sum(run.values())
    assert set(first) <= set(run)
    statistic = sum(
        (first[i] - 20_000 * bw / total) ** 2 / (20_000 * bw / total) for i, bw in run.items()
    )
    assert statistic < chi_square_critical(len(run) - 1)
    assert seen == set(hosts)


def test_the_pools_stay_within_their_byte_bound_and_refresh_redraws() -> None:
    rows = [(100 + i, COUNTRIES[i % 8], False, (), "", None) for i in range(40)]
    snap = network(rows)
    index = SelectionIndex(snap, minimum=5)
    hosts = snap.directories["pub/d"].hosts
    rng = random.Random(1)
    pools = AnswerPools(index, size=4, max_bytes=4_000)
    for country in COUNTRIES[:8] * 5:
        pools.pick(hosts, Client(None, country), Options(), rng)
        assert pools.bytes <= 4_000 or len(pools) == 1
    assert 1 <= len(pools) < 8, "least recently used classes were dropped"
    draws = pools.draws
    assert pools.refresh(rng, max_draws=3) == 3
    assert pools.draws == draws + 3
    while pools.refresh(rng, max_draws=3):
        pass
    assert pools.refresh(rng, max_draws=1000) == 0, "nothing served since"
    pools.pick(hosts, Client(None, COUNTRIES[7]), Options(), rng)
    assert pools.refresh(rng, max_draws=1000) == 1, "one answer served: one entry redrawn"


def test_size_zero_is_pick() -> None:
    rows = [(100 + i, COUNTRIES[i % 8], False, (), "10.0.0.0/8", None) for i in range(20)]
    snap = network(rows)
    index = SelectionIndex(snap, minimum=5)
    hosts = snap.directories["pub/d"].hosts
    client = Client(parse_address("10.1.2.3"), "DE")
    got = AnswerPools(index, size=0).pick(hosts, client, Options(), random.Random(4))
    want = pick(index, hosts, client, Options(), random.Random(4))
    assert got.records == want.records and got.notes == want.notes


def test_refresh_stops_at_its_deadline_and_keeps_the_rest_for_next_time() -> None:
    """The background refresh is bounded in time: past the deadline it draws nothing, and
    the classes it did not reach keep their served count (they come first next time)."""
    rows = [(100 + i, COUNTRIES[i % 8], False, (), "10.0.0.0/8", None) for i in range(40)]
    snap = network(rows)
    index = SelectionIndex(snap, minimum=5)
    hosts = snap.directories["pub/d"].hosts
    rng = random.Random(2)
    pools = AnswerPools(index, size=4)
    for country in COUNTRIES[:4] * 6:  # four classes, each filled and served
        pools.pick(hosts, Client(None, country), Options(), rng)
    ticks = iter(range(1000))
    clock = lambda: float(next(ticks))  # noqa: E731 - one tick per look at the clock
    # the clock reads 0 (before the first class), 1 (before its first draw), 2, 3, …
    done = pools.refresh(rng, 1000, deadline=3.0, clock=clock)
    assert done == 2, "two draws fitted before the deadline"
    assert pools.refresh(rng, 1000, deadline=0.0, clock=lambda: 0.0) == 0, "already late"
    waiting = [p for p in pools._pools.values() if p.served]
    assert len(waiting) >= 3, "the classes not reached keep their count"
    assert pools.refresh(rng, 1000) > 0  # without a deadline they are redrawn
    assert all(p.served == 0 for p in pools._pools.values())
