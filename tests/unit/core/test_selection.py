"""The selection steps of mirrorlist.md, on a hand-built snapshot."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.distance import cell_of
from mirrormanager.core.geo import country_centroid
from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options, select
from mirrormanager.core.selection_index import METALINK_PROTOCOLS, Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot
from mirrormanager.core.targets import LookupFailure, resolve_path, resolve_repo
from mirrormanager.core.weighted import weighted_shuffle
from tests.data import snapshots as data


@pytest.fixture(scope="module")
def index() -> SelectionIndex:
    return SelectionIndex(data.build(), minimum=5, embargoed=("CU",))


def run(index, ip=None, country="", *, repo="fedora-41", seed=1, **options):
    target = resolve_repo(index.snapshot, repo, "x86_64", metalink=False)
    address = parse_address(ip) if ip else None
    client = Client(address, index.client_country(address, country))
    return select(index, target, client, Options(**options), random.Random(seed))


def ids(selection) -> list[int]:
    return [c.host.id for c in selection.hosts]


def test_country_then_continent_then_global_when_few(index) -> None:
    result = run(index, country="DE")
    got = ids(result)
    assert set(got[:2]) == {1, 2}  # country first
    assert set(got[2:5]) == {3, 6, 7}  # then the continent: AT, FR, NL
    assert 5 not in got  # private: only via netblock
    assert 9 not in got  # countries_allowed CA only
    assert result.notes[:2] == ["country = DE", "continent = EU"]
    # 5 found, not fewer than minimum 5: no global step
    assert set(got) == {1, 2, 3, 6, 7}
    assert "country = global" not in result.notes
    few = SelectionIndex(data.build(), minimum=6)
    result = run(few, country="DE")
    assert set(ids(result)) == {1, 2, 3, 4, 6, 7, 8}
    assert result.notes[-1] == "country = global"


def test_netblocks_most_specific_first_then_private(index) -> None:
    got = ids(run(index, "198.51.100.200", "DE"))
    assert got[:2] == [8, 7]  # /25 before /24
    got = ids(run(index, "192.0.2.10", "DE"))
    assert got[0] == 5  # a private host, reached through its netblock
    assert ids(run(index, "192.0.2.10", "DE", use_netblocks=False))[0] != 5


def test_asn_and_netblock_country_override(index) -> None:
    result = run(index, "203.0.113.5", "US")
    assert ids(result)[0] == 6 and "Using ASN 64500" in result.notes
    # 100.64/10 is AT by NetblockCountry whatever GeoIP says
    result = run(index, "100.64.1.1", "US")
    assert ids(result)[0] == 3 and result.notes[0] == "country = AT"


def test_countries_allowed_and_embargo(index) -> None:
    assert 9 in ids(run(index, country="CA"))
    assert run(index, country="KP").hosts == []  # embargoed by the snapshot
    assert run(index, country="CU").embargoed  # and by the settings


def test_requested_countries_fall_back_to_continent_and_global(index) -> None:
    assert ids(run(index, country="US", countries=("AT",))) == [3]
    # no hosts in BE: its continent instead, no global step
    assert set(ids(run(index, country="US", countries=("BE",)))) == {1, 2, 3, 6, 7}
    assert set(ids(run(index, countries=("AT", "GLOBAL")))) == {1, 2, 3, 4, 6, 7, 8}


def test_protocol_filter_and_order(index) -> None:
    result = run(index, country="AT", protocols=("ftp",))
    assert [c.full_urls for c in result.hosts if c.host.id == 3] == [
        (("ftp", "ftp://at3.example/fedora/releases/41/Everything/x86_64/os/"),)
    ]
    assert all(p == "ftp" for c in result.hosts for p, _ in c.urls)
    result = run(index, country="AT", protocols=METALINK_PROTOCOLS)
    assert [p for p, _ in result.hosts[0].urls] == ["https", "ftp", "rsync"]


def test_targets() -> None:
    snap = data.build()
    assert resolve_repo(snap, "fedora-rawhide", "x86_64", metalink=True).suffix == (
        "/development/rawhide/Everything/x86_64/os/repodata/repomd.xml"
    )
    assert resolve_repo(snap, "fedora-source-41", "x86_64", metalink=False).arch == "source"
    with pytest.raises(LookupFailure) as failure:
        resolve_repo(snap, "fedora-40", "x86_64", metalink=False)
    assert failure.value.kind == "disabled"
    with pytest.raises(LookupFailure):
        resolve_repo(snap, "nope", "x86_64", metalink=False)
    target = resolve_path(snap, "//" + data.ISO_DIR + "/./Fedora-41.iso", metalink=True)
    assert target.file_name == "Fedora-41.iso" and target.files == (data.ISO,)
    for bad in ("", "/", "pub/../etc", "pub/nowhere/at/all"):
        with pytest.raises(LookupFailure):
            resolve_path(snap, bad, metalink=False)


def _random_snapshot(bandwidths: list[int], countries: list[str], private: list[bool]):
    hosts = {
        i: HostInfo(i, f"h{i}", countries[i], bandwidths[i], 1, private[i])
        for i in range(len(bandwidths))
    }
    urls = {i: HostUrl(i, i, f"https://h{i}.example/x") for i in hosts}
    entry = DirectoryEntry("d", "", tuple((i, (i,)) for i in hosts))
    return Snapshot(1, 1, hosts, urls, {"d": entry}, {("r", "a"): "d"})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10_000), st.sampled_from(["DE", "FR", "US", "JP"]), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["DE", "US", "", "BR"]),
    st.integers(0, 10),
    st.integers(0, 2**32),
)
def test_every_host_at_most_once_and_all_public_when_global(rows, country, minimum, seed) -> None:
    snap = _random_snapshot([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    index = SelectionIndex(snap, minimum=minimum)
    target = resolve_repo(snap, "r", "a", metalink=False)
    result = select(index, target, Client(None, country), Options(), random.Random(seed))
    got = [c.host.id for c in result.hosts]
    assert len(got) == len(set(got))
    public = {i for i, r in enumerate(rows) if not r[2]}
    assert set(got) <= public
    if minimum > len(public) or (minimum and not country):
        assert set(got) == public


def test_higher_bandwidth_wins_first_place_proportionally() -> None:
    weights = {"a": 100, "b": 300, "c": 600}
    rng = random.Random(12345)
    trials = 20_000
    first = Counter(
        weighted_shuffle(list(weights), weights.__getitem__, rng)[0] for _ in range(trials)
    )
    for name, weight in weights.items():
        assert abs(first[name] / trials - weight / 1000) < 0.015


def test_weighted_shuffle_second_place_follows_sequential_draws() -> None:
    # P(b second | a first) = 300/900: the key sort equals repeated proportional draws
    weights = {"a": 100, "b": 300, "c": 600}
    rng = random.Random(7)
    orders = Counter(
        tuple(weighted_shuffle(list(weights), weights.__getitem__, rng)) for _ in range(30_000)
    )
    p_cab = orders[("c", "a", "b")] / 30_000
    assert abs(p_cab - 0.6 * 100 / 400) < 0.015


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["DE", "US", "JP", "", "XX", "de"]),
            st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
        ),
        max_size=10,
    ),
    st.booleans(),
)
def test_the_client_cell_is_the_rounded_position_or_country_centroid(clients, by_distance):
    """`cell` keeps the cells of countries (clients without a position) it computed."""
    index = SelectionIndex(data.build(), distance_order=by_distance)
    for _twice in range(2):
        for country, position in clients:
            want = None
            if by_distance:
                where = position or country_centroid(country)
                want = None if where is None else cell_of(where)
            assert index.cell(Client(None, country, position)) == want


def test_the_kept_country_cells_are_bounded() -> None:
    index = SelectionIndex(data.build())
    for n in range(5000):
        assert index.cell(Client(None, f"Z{n}")) is None
    assert index.cell(Client(None, "DE")) == cell_of(country_centroid("DE"))
    assert len(index._country_cells) <= 4096
