"""Pooled answers exactly as before the hot-path work (issue #14): the previous
`AnswerPools._compose` and `preferred` are kept here, and both versions, fed the same
random numbers, must give the same answers in the same order and leave the random
stream at the same place."""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.pool import AnswerPools, ClassPool, Drawn
from mirrormanager.core.selection import Options, Picked, preferred
from mirrormanager.core.selection_index import (
    METALINK_PROTOCOLS,
    Client,
    HostHosts,
    HostRecord,
    HostView,
    SelectionIndex,
)
from tests.unit.core.test_pool import COUNTRIES, HOST_ROWS, PLACES, network


def _allows(record: HostRecord, country: str) -> bool:
    allowed = record.host.countries_allowed
    return not allowed or country in allowed


def reference_preferred(
    index: SelectionIndex,
    view: HostView,
    client: Client,
    chosen: set[int],
    rng: random.Random,
    result: Picked,
) -> None:
    assert client.address is not None
    country = client.country
    picked = result.records
    records = view.records
    added = 0
    for _length, ids in index.host_netblocks.matches(client.address):
        group = [
            records[i]
            for i in dict.fromkeys(ids)
            if i not in chosen and i in records and _allows(records[i], country)
        ]
        rng.shuffle(group)
        chosen.update(r.host.id for r in group)
        picked += group
        added += len(group)
    if added:
        result.steps.append(("netblock", added))
        result.notes.append("Using preferred netblock")
    asn = index.asn_table.longest(client.address)
    if asn is not None:
        group = [
            records[i]
            for i in index.asn_hosts.get(asn, ())
            if i not in chosen and i in records and _allows(records[i], country)
        ]
        rng.shuffle(group)
        if group:
            chosen.update(r.host.id for r in group)
            picked += group
            result.steps.append(("asn", len(group)))
            result.notes.append(f"Using ASN {asn}")


class ReferencePools(AnswerPools):
    def _compose(
        self,
        pool: ClassPool,
        drawn: Drawn,
        hosts: HostHosts,
        client: Client,
        options: Options,
        rng: random.Random,
    ) -> Picked | None:
        index = self.index
        result = Picked(family_note=drawn.family_note)
        chosen: set[int] = set()
        if index.strict_family and drawn.family_note:
            family = client.address.version if client.address is not None else 0
            chosen.update(index.unreachable.get(family, frozenset()))
        if options.use_netblocks and client.address is not None:
            view = index.view(index.dir_hosts(hosts), options.protocols)
            reference_preferred(index, view, client, chosen, rng, result)
        members = pool.members
        order = drawn.order
        records = list(map(members.__getitem__, order))
        if not result.records:
            cumulative = drawn.cumulative
            if len(cumulative) > 1:
                k = bisect_right(cumulative, rng.random() * cumulative[-1])
                k = min(k, len(cumulative) - 1)
                if k:
                    records.insert(0, records.pop(k))
            result.records = records
            result.steps = list(drawn.steps)
            result.notes = list(drawn.notes)
            return result
        slot_of = pool.slot_of
        taken = [slot_of[r.host.id] for r in result.records if r.host.id in slot_of]
        steps = list(drawn.steps)
        notes = list(drawn.notes)
        global_from = drawn.global_from
        if taken:
            ends = list(accumulate(count for _step, count in steps))
            for p in sorted(map(order.index, taken), reverse=True):
                del records[p]
                s = bisect_right(ends, p)
                steps[s] = (steps[s][0], steps[s][1] - 1)
                if p < drawn.global_from:
                    global_from -= 1
        rest = records
        if pool.has_global and len(result.records) + global_from >= index.minimum:
            if steps and steps[-1][0] == "global":
                rest = rest[:global_from]
                steps.pop()
            notes.remove("country = global")
        if (
            options.countries
            and drawn.steps
            and drawn.steps[0][0] == "country"
            and not any(count for step, count in steps if step == "country")
        ):
            return None
        result.records += rest
        result.steps += [(step, count) for step, count in steps if count]
        result.notes += notes
        return result


def exactly(answer: Picked) -> tuple[object, ...]:
    return (
        [r.host.id for r in answer.records],
        answer.steps,
        answer.notes,
        answer.embargoed,
        answer.family_note,
    )


ADDRESSES = ["10.1.2.3", "10.9.9.9", "8.8.8.8", "2001:db8::1", "192.0.2.1", None]


@settings(max_examples=150, deadline=None)
@given(
    HOST_ROWS,
    st.lists(
        st.tuples(
            st.sampled_from(COUNTRIES),
            st.sampled_from(ADDRESSES),
            st.sampled_from([(), ("DE",), ("AT", "GLOBAL"), ("GLOBAL",)]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 8),
    st.integers(0, 2**32),
    st.booleans(),
    st.booleans(),
)
def test_pooled_answers_and_random_stream_are_as_before(
    rows, requests, minimum, seed, by_distance, strict
) -> None:
    snap = network(rows)
    index = SelectionIndex(snap, minimum=minimum, distance_order=by_distance, strict_family=strict)
    hosts = snap.directories["pub/d"].hosts
    ours, theirs = AnswerPools(index, size=3), ReferencePools(index, size=3)
    rng_ours, rng_theirs = random.Random(seed), random.Random(seed)
    for n, (country, ip, countries, use_netblocks) in enumerate(requests * 3):
        client = Client(parse_address(ip) if ip else None, country, PLACES[n % 3])
        options = Options(countries, use_netblocks, METALINK_PROTOCOLS)
        assert exactly(ours.pick(hosts, client, options, rng_ours)) == exactly(
            theirs.pick(hosts, client, options, rng_theirs)
        )
        if n % 7 == 6:
            assert ours.refresh(rng_ours, 2) == theirs.refresh(rng_theirs, 2)
    assert rng_ours.random() == rng_theirs.random()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3000),
            st.sampled_from(COUNTRIES[:-1]),
            st.booleans(),
            st.sampled_from([(), ("DE",)]),
            st.sampled_from(["10.0.0.0/8", "10.1.2.0/24", "10.1.0.0/16", ""]),
            st.sampled_from([None, True]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from(COUNTRIES),
    st.sampled_from([a for a in ADDRESSES if a]),
    st.integers(0, 2**32),
)
def test_preferred_is_as_before(rows, country, ip, seed) -> None:
    snap = network(rows)
    index = SelectionIndex(snap)
    view = index.view(index.dir_hosts(snap.directories["pub/d"].hosts), METALINK_PROTOCOLS)
    client = Client(parse_address(ip), country)
    answers = []
    for version in (preferred, reference_preferred):
        rng, chosen, result = random.Random(seed), {1}, Picked()
        version(index, view, client, chosen, rng, result)
        answers.append((exactly(result), chosen, rng.random()))
    assert answers[0] == answers[1]


def test_a_private_netblock_host_drops_the_global_step_as_before() -> None:
    """The path hypothesis rarely finds: the netblock step brings a private host (not in
    the class's answers) and takes a public one out of the country step, so the answer
    reaches `minimum` without the global step."""
    rows = [
        (100, "DE", False, (), "10.1.2.0/24", None),
        (100, "DE", True, (), "10.1.2.0/24", None),
        (100, "DE", False, (), "", None),
        (100, "US", False, (), "", None),
        (100, "JP", False, (), "", None),
    ]
    snap = network(rows)
    index = SelectionIndex(snap, minimum=3)
    hosts = snap.directories["pub/d"].hosts
    options = Options((), True, METALINK_PROTOCOLS)
    for seed in range(40):
        ours, theirs = AnswerPools(index, size=2), ReferencePools(index, size=2)
        rng_ours, rng_theirs = random.Random(seed), random.Random(seed)
        for ip in ("192.0.2.1", "192.0.2.1", "10.1.2.3", "10.1.2.3", "10.1.2.3"):
            client = Client(parse_address(ip), "DE")
            answer = ours.pick(hosts, client, options, rng_ours)
            assert exactly(answer) == exactly(theirs.pick(hosts, client, options, rng_theirs))
        assert [step for step, _count in answer.steps] == ["netblock", "country"]
        assert len(answer.records) == 3
