"""IPv4/IPv6 awareness (issue 13 part 2): within every step, hosts reachable in the
client's family first; known unreachable last, or left out with `strict_family`."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options, pick
from mirrormanager.core.selection_index import Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot

V6 = parse_address("2001:db8::7")
V4 = parse_address("192.0.2.7")


def snapshot(reach: dict[int, tuple[bool | None, bool | None]], countries: dict[int, str]):
    hosts = {
        i: HostInfo(i, f"h{i}", countries[i], 100, 1, False, reachable_ipv4=r4, reachable_ipv6=r6)
        for i, (r4, r6) in reach.items()
    }
    urls = {i: HostUrl(i, i, f"https://h{i}.example/pub") for i in hosts}
    entry = DirectoryEntry("pub/d", "d", tuple((i, (i,)) for i in hosts))
    return Snapshot(1, 1, hosts, urls, {"pub/d": entry}, {("r", "a"): "pub/d"})


def answer(snap: Snapshot, address, *, strict: bool = False, seed: int = 1, minimum: int = 5):
    index = SelectionIndex(snap, minimum=minimum, strict_family=strict, distance_order=False)
    picked = pick(
        index,
        snap.directories["pub/d"].hosts,
        Client(address, "DE"),
        Options(),
        random.Random(seed),
    )
    return [r.host.id for r in picked.records], picked


REACH = {1: (True, False), 2: (True, None), 3: (None, True), 4: (False, False)}
GERMANY = dict.fromkeys(REACH, "DE")


def test_ipv6_client_gets_ipv6_reachable_hosts_first_and_unknown_counts_as_reachable() -> None:
    for seed in range(20):
        ids, picked = answer(snapshot(REACH, GERMANY), V6, seed=seed)
        assert set(ids[:2]) == {2, 3} and set(ids[2:]) == {1, 4}
        assert picked.notes[-1] == "IPv6-reachable first"


def test_ipv4_client_gets_ipv4_reachable_hosts_first() -> None:
    for seed in range(20):
        ids, picked = answer(snapshot(REACH, GERMANY), V4, seed=seed)
        assert set(ids[:3]) == {1, 2, 3} and ids[3] == 4
        assert picked.notes[-1] == "IPv4-reachable first"


def test_strict_family_leaves_them_out_and_says_so() -> None:
    ids, picked = answer(snapshot(REACH, GERMANY), V6, strict=True)
    assert sorted(ids) == [2, 3] and picked.notes[-1] == "IPv6-reachable only"
    assert "country = global" in picked.notes  # fewer than the minimum: global adds none back


def test_no_note_when_nothing_was_moved() -> None:
    everyone = {1: (True, True), 2: (None, None)}
    ids, picked = answer(snapshot(everyone, dict.fromkeys(everyone, "DE")), V6)
    assert sorted(ids) == [1, 2] and not any("reachable" in n for n in picked.notes)
    ids, picked = answer(snapshot(REACH, GERMANY), None)  # no address: no family
    assert sorted(ids) == [1, 2, 3, 4] and not any("reachable" in n for n in picked.notes)


def test_ordering_is_within_each_step_not_across_steps() -> None:
    """A country host unreachable over IPv6 still comes before the continent's hosts."""
    reach = {1: (True, False), 2: (True, True)}
    snap = snapshot(reach, {1: "DE", 2: "AT"})
    for seed in range(10):
        ids, picked = answer(snap, V6, seed=seed)
        assert ids == [1, 2]
        assert [step for step, _n in picked.steps] == ["country", "continent"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([True, False, None]),
            st.sampled_from([True, False, None]),
            st.sampled_from(["DE", "AT", "US"]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([V4, V6, None]),
    st.booleans(),
    st.integers(0, 2**32),
)
def test_family_rules_hold_for_any_network(rows, address, strict, seed) -> None:
    reach = {i: (r4, r6) for i, (r4, r6, _c) in enumerate(rows, start=1)}
    snap = snapshot(reach, {i: c for i, (_a, _b, c) in enumerate(rows, start=1)})
    ids, picked = answer(snap, address, strict=strict, seed=seed, minimum=3)
    assert len(ids) == len(set(ids))
    if address is None:
        return
    bad = {i for i, (r4, r6) in reach.items() if (r4 if address.version == 4 else r6) is False}
    if strict:
        assert not bad & set(ids)
    start = 0
    for _step, count in picked.steps:
        run = ids[start : start + count]
        flags = [i in bad for i in run]
        assert flags == sorted(flags)  # reachable (False) before unreachable (True)
        start += count
