"""The compiled gather and composition of the answer pools (`_orders.c`) against their
Python versions."""

from __future__ import annotations

import random
import sys
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core import pool
from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.pool import AnswerPools
from mirrormanager.core.selection import Options
from mirrormanager.core.selection_index import METALINK_PROTOCOLS, Client, SelectionIndex
from tests.compiled_modules import require
from tests.unit.core.test_pool import COUNTRIES, HOST_ROWS, PLACES, network

native = require("mirrormanager.core._orders")


@given(st.data(), st.lists(st.integers(), min_size=1, max_size=300))
def test_gather_is_the_python_list(data, values) -> None:
    items = tuple(values)
    order = array("I", data.draw(st.lists(st.integers(0, len(items) - 1), max_size=300)))
    end = data.draw(st.integers(-2, len(order) + 2))
    assert native.gather(items, order, end) == pool.gather_py(items, order, max(0, end))


def test_an_index_beyond_the_items_is_refused() -> None:
    with pytest.raises(IndexError):
        native.gather((1, 2), array("I", [0, 2]), 2)
    assert native.gather((1, 2), array("I", [0, 2]), 1) == [1]  # only the gathered ones


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError):
        native.gather([1, 2], array("I", [0]), 1)  # a list, not a tuple
    with pytest.raises(TypeError):
        native.gather((1, 2), array("H", [0]), 1)  # 2-byte indices
    with pytest.raises(TypeError):
        native.gather((1, 2), [0], 1)  # no buffer
    with pytest.raises(TypeError):
        native.gather((1, 2), array("I", [0]), "1")


# --- compose: the pooled answer's composition (`pool.compose_py` in C) ---------------

REQUESTS = st.lists(
    st.tuples(
        st.sampled_from(COUNTRIES),
        st.sampled_from(["10.1.2.3", "10.9.9.9", "8.8.8.8", "2001:db8::1", None]),
        st.sampled_from([(), ("DE",), ("AT", "GLOBAL")]),
        st.booleans(),
    ),
    min_size=1,
    max_size=10,
)


def filled_pools(rows, requests, minimum: int, seed: int) -> AnswerPools:
    snap = network(rows)
    index = SelectionIndex(snap, minimum=minimum)
    pools = AnswerPools(index, size=3)
    hosts = snap.directories["pub/d"].hosts
    rng = random.Random(seed)
    for n, (country, ip, countries, use_netblocks) in enumerate(requests * 4):
        client = Client(parse_address(ip) if ip else None, country, PLACES[n % 3])
        pools.pick(hosts, client, Options(countries, use_netblocks, METALINK_PROTOCOLS), rng)
    return pools


def both(pools: AnswerPools, class_pool, drawn, address, country, seed):
    """(answer, chosen, next random number) of the C and of the Python composition."""
    index = pools.index
    view = None
    if class_pool.options.use_netblocks and address is not None:
        arranged = index.dir_hosts(class_pool.hosts)
        view = index.view(arranged, class_pool.options.protocols)
    client = Client(address, country)
    countries = bool(class_pool.options.countries)
    out = []
    for version in (native.compose, pool.compose_py):
        rng, chosen = random.Random(seed), {999}
        made = version(index, class_pool, drawn, view, client, countries, chosen, rng)
        if made is not None:
            records, steps, notes = made
            made = ([r.host.id for r in records], steps, notes)
        out.append((made, chosen, rng.random()))
    return out


@settings(max_examples=150, deadline=None)
@given(HOST_ROWS, REQUESTS, st.integers(0, 8), st.integers(0, 2**32))
def test_compose_is_the_python_composition(rows, requests, minimum, seed) -> None:
    pools = filled_pools(rows, requests, minimum, seed)
    for class_pool in pools._pools.values():
        for n, drawn in enumerate(class_pool.entries):
            for ip in ("10.1.2.3", "8.8.8.8", "2001:db8::1", None):
                address = parse_address(ip) if ip else None
                ours, theirs = both(pools, class_pool, drawn, address, "DE", seed + n)
                assert ours == theirs


def a_pool() -> tuple[AnswerPools, object, object]:
    rows = [(100, "DE", False, (), "10.1.2.0/24", None)] * 4 + [(50, "US", False, (), "", None)]
    pools = filled_pools(rows, [("DE", "10.1.2.3", (), True), ("DE", None, (), True)], 3, 1)
    class_pool = next(p for p in pools._pools.values() if p.entries)
    return pools, class_pool, class_pool.entries[0]


def test_compose_refuses_what_it_cannot_read() -> None:
    pools, class_pool, drawn = a_pool()
    index, rng = pools.index, random.Random(1)
    client = Client(parse_address("10.1.2.3"), "DE")
    args = [index, class_pool, drawn, None, client, False, set(), rng]
    assert native.compose(*args) is not None
    with pytest.raises(TypeError):
        native.compose(*args[:7])
    with pytest.raises(TypeError):
        native.compose(index, class_pool, tuple(drawn)[:5], None, client, False, set(), rng)
    with pytest.raises(TypeError):  # 2-byte indices
        native.compose(
            index, class_pool, drawn._replace(order=array("H", [0])), None, client, False,
            set(), rng,
        )  # fmt: skip
    with pytest.raises(IndexError):  # an index beyond the class's members
        beyond = drawn._replace(order=array("I", [len(class_pool.members)]))
        native.compose(index, class_pool, beyond, None, client, False, set(), rng)
    with pytest.raises(TypeError):
        native.compose(index, class_pool, drawn, None, client, False, [], rng)
    with pytest.raises(AttributeError):  # a view without records
        native.compose(index, class_pool, drawn, object(), client, False, set(), rng)


def test_compose_keeps_reference_counts() -> None:
    pools, class_pool, drawn = a_pool()
    index = pools.index
    client = Client(parse_address("10.1.2.3"), "DE")
    view = index.view(index.dir_hosts(class_pool.hosts), METALINK_PROTOCOLS)
    watched = [*class_pool.members, *drawn.steps, *drawn.notes, drawn.order, view.records]
    before = [sys.getrefcount(x) for x in watched]
    for n in range(2000):
        native.compose(index, class_pool, drawn, view if n % 2 else None, client, False,
                       set(), random.Random(n))  # fmt: skip
    assert [sys.getrefcount(x) for x in watched] == before
