"""Nearer is better (issue 13 part 4): the continent and global steps in 1,000 km bands
from the client, bandwidth-weighted inside a band; country and netblock steps unchanged."""

from __future__ import annotations

import random

import pytest

from mirrormanager.core.distance import BandTable
from mirrormanager.core.geo import country_centroid, distance_km
from mirrormanager.core.selection import Options, pick
from mirrormanager.core.selection_index import Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot
from mirrormanager.core.weighted import segmented_order

RIYADH = (24.71, 46.68)
# (country, latitude, longitude or None: the country's centroid), all in Asia
ASIA = {
    1: ("AE", 25.20, 55.27),  # Dubai, ~870 km
    2: ("QA", None, None),  # ~500 km
    3: ("JO", 31.95, 35.93),  # Amman, ~1,300 km
    4: ("IL", None, None),  # ~1,600 km (centroid)
    5: ("JP", 35.68, 139.69),  # Tokyo, ~8,700 km
    6: ("KR", None, None),
    7: ("CN", 39.90, 116.40),  # Beijing
    8: ("TW", None, None),
}
MIDDLE_EAST = {1, 2, 3, 4}
EAST_ASIA = {5, 6, 7, 8}


def snapshot(rows: dict[int, tuple[str, float | None, float | None]], bandwidth=None):
    hosts = {
        i: HostInfo(
            i,
            f"h{i}",
            cc,
            (bandwidth or {}).get(i, 100),
            1,
            False,
            latitude=lat,
            longitude=lon,
        )
        for i, (cc, lat, lon) in rows.items()
    }
    urls = {i: HostUrl(i, i, f"https://h{i}.example/pub") for i in hosts}
    entry = DirectoryEntry("pub/d", "d", tuple((i, (i,)) for i in hosts))
    return Snapshot(1, 1, hosts, urls, {"pub/d": entry}, {("r", "a"): "pub/d"})


def order(snap, client: Client, *, seed: int, distance: bool = True, minimum: int = 5):
    index = SelectionIndex(snap, minimum=minimum, distance_order=distance)
    picked = pick(index, snap.directories["pub/d"].hosts, client, Options(), random.Random(seed))
    return [r.host.id for r in picked.records], picked


def test_geography_sanity() -> None:
    assert 800 < distance_km(RIYADH, (25.20, 55.27)) < 950
    assert 8500 < distance_km(RIYADH, (35.68, 139.69)) < 8900
    assert country_centroid("sa") is not None and country_centroid("") is None


@pytest.mark.parametrize("position", [RIYADH, None])  # a city database, or SA's centroid
def test_a_client_in_riyadh_gets_middle_eastern_mirrors_before_east_asian_ones(position) -> None:
    snap = snapshot(ASIA)
    for seed in range(50):
        ids, picked = order(snap, Client(None, "SA", position), seed=seed)
        assert set(ids[:4]) == MIDDLE_EAST and set(ids[4:]) == EAST_ASIA, ids
        assert picked.steps == [("continent", 8)]


def test_without_distance_ordering_east_asia_comes_first_sometimes() -> None:
    snap = snapshot(ASIA)
    firsts = {order(snap, Client(None, "SA"), seed=s, distance=False)[0][0] for s in range(60)}
    assert firsts & EAST_ASIA


def test_bandwidth_still_spreads_load_within_a_band() -> None:
    """Dubai and Doha share the 0-1,000 km band: both come first sometimes, the heavier
    more often; Amman (next band) never comes first however heavy."""
    snap = snapshot(ASIA, bandwidth={1: 1000, 2: 100, 3: 100_000})
    firsts = [order(snap, Client(None, "SA", RIYADH), seed=s)[0][0] for s in range(300)]
    assert set(firsts) == {1, 2} and firsts.count(1) > firsts.count(2)


def test_the_country_step_is_not_reordered_by_distance() -> None:
    """A New York client: the heavy Los Angeles host (3,900 km) usually beats the light
    one next door, as the plain weighted shuffle says; distance bands are not used."""
    rows = {1: ("US", 40.7, -74.0), 2: ("US", 34.05, -118.24)}
    snap = snapshot(rows, bandwidth={1: 1, 2: 100_000})
    firsts = [order(snap, Client(None, "US", (40.7, -74.0)), seed=s)[0][0] for s in range(60)]
    assert firsts.count(2) > 50


def test_hosts_with_no_position_come_after_placed_ones() -> None:
    rows = {1: ("", None, None), 2: ("JP", None, None)}  # host 1: no country, no position
    snap = snapshot(rows)
    for seed in range(20):
        ids, _picked = order(snap, Client(None, "SA", RIYADH), seed=seed)
        assert ids == [2, 1]


def test_unknown_client_position_means_the_plain_shuffle() -> None:
    snap = snapshot(ASIA)
    plain = [order(snap, Client(None, ""), seed=s, distance=False)[0] for s in range(10)]
    assert plain == [order(snap, Client(None, ""), seed=s)[0] for s in range(10)]


def test_segmented_order_shuffles_within_runs_in_run_order() -> None:
    weights = [-1.0, -1.0, -1.0, -1.0, -5.0]
    seen = {tuple(segmented_order(weights, [2, 3, 5], random.Random(s))) for s in range(60)}
    assert {order[:2] for order in seen} == {(0, 1), (1, 0)}
    assert {order[2] for order in seen} == {2}
    assert {order[3:] for order in seen} == {(3, 4), (4, 3)}


def test_band_table_matches_great_circle_distances() -> None:
    hosts = {i: HostInfo(i, f"h{i}", cc, 1, 1, False) for i, cc in enumerate(["AE", "JP", ""])}
    table = BandTable(hosts)
    cell = (25.0, 47.0)
    bands = table.for_hosts(cell, [0, 1, 2])
    assert bands[0] == int(distance_km(cell, country_centroid("AE")) // 1000)
    assert bands[1] == int(distance_km(cell, country_centroid("JP")) // 1000)
    assert bands[2] == 21.0  # no position: after every band


def test_banded_continent_step_after_a_large_country_step() -> None:
    """Many country hosts (dropped from the banded continent stratum by position) and a
    private-free mix of near and far continent hosts: still nearest band first."""
    rows: dict[int, tuple[str, float | None, float | None]] = {
        i: ("SA", None, None) for i in range(1, 21)
    }
    rows.update({20 + i: ("AE", None, None) for i in range(1, 6)})
    rows.update({30 + i: ("JP", None, None) for i in range(1, 6)})
    snap = snapshot(rows)
    for seed in range(20):
        ids, picked = order(snap, Client(None, "SA"), seed=seed)
        assert set(ids[:20]) == set(range(1, 21))
        assert set(ids[20:25]) == set(range(21, 26)) and set(ids[25:]) == set(range(31, 36))
        assert [step for step, _n in picked.steps] == ["country", "continent"]
