"""The compiled prefix look-ups (`_orders.longest`/`matches`) against the methods of
`PrefixTable` they stand in for."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core import compiled, netblocks
from mirrormanager.core.netblocks import PrefixTable, parse_address
from tests.compiled_modules import require
from tests.unit.core.test_netblocks import _networks, _probes, _values

native = require("mirrormanager.core._orders")

V4, V6 = ipaddress.IPv4Address, ipaddress.IPv6Address
SRC = Path(netblocks.__file__).parents[2]  # the code under test, not an installed copy


def _twins(rows, merged: bool) -> tuple[PrefixTable[object], PrefixTable[object]]:  # type: ignore[no-untyped-def]
    """Two tables built alike: one asked through C, one through the methods, so a look-up
    on a thawed table meets it thawed in both."""
    merge = (lambda a, b: (a, b)) if merged else None
    tables: list[PrefixTable[object]] = [PrefixTable(), PrefixTable()]
    for table in tables:
        for network, value in rows:
            table.add(network, value, merge)
    return tables[0], tables[1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([4, 6]), st.data(), _values), max_size=40),
    st.lists(st.tuples(st.sampled_from([4, 6]), st.data(), _values), max_size=3),
    st.lists(st.integers(0, 2**32 - 1), max_size=5),
    st.lists(st.integers(0, 2**128 - 1), max_size=5),
    st.sampled_from(["thawed", "longest", "matches"]),
    st.booleans(),
)
def test_the_compiled_look_ups_answer_as_the_methods(  # type: ignore[no-untyped-def]
    rows, later, v4, v6, frozen, merged
) -> None:
    networks = [(data.draw(_networks(version)), value) for version, data, value in rows]
    added = [(data.draw(_networks(version)), value) for version, data, value in later]
    ours, theirs = _twins(networks, merged)
    if frozen != "thawed":
        for table in (ours, theirs):
            table.freeze(matches=frozen == "matches")
    if added and frozen != "thawed":  # thawed again by a change after freezing
        for table in (ours, theirs):
            for network, value in added:
                table.add(network, value)
    addresses = _probes(n for n, _ in networks + added)
    addresses += [V4(n) for n in v4] + [V6(n) for n in v6]
    addresses += [V4(0), V4(2**32 - 1), V6(0), V6(2**128 - 1)]
    for address in addresses:
        assert native.longest(ours, address) == theirs.longest(address), address
        assert native.matches(ours, address) == theirs.matches(address), address
        # and on one table, the very objects the method answers
        assert native.longest(ours, address) is ours.longest(address)


def test_matches_gives_a_new_list_each_time() -> None:
    table = PrefixTable.build([("10.0.0.0/8", "ten"), ("10.1.0.0/16", "ten-one")])
    table.freeze(matches=True)
    address = parse_address("10.1.2.3")
    first = native.matches(table, address)
    assert first == [(16, "ten-one"), (8, "ten")]
    first.append((0, "mine"))  # a caller may change its answer
    second = native.matches(table, address)
    assert second == [(16, "ten-one"), (8, "ten")]
    assert second is not native.matches(table, address)
    assert native.matches(table, parse_address("11.0.0.0")) == []


def test_address_subclasses_are_answered() -> None:
    class Address(V4):
        pass

    class Shifted(V4):  # int() is what the method reads: the C look-up reads it too
        def __int__(self) -> int:
            return int(parse_address("10.9.9.9"))

    table = PrefixTable.build([("10.0.0.0/8", "ten"), ("10.9.0.0/16", "nine")]).freeze()
    for _ in range(2):  # the first meets no form for the subclass; the method adds it
        assert native.longest(table, Address("10.1.2.3")) == "ten"
        assert native.matches(table, Address("10.1.2.3")) == [(8, "ten")]
        assert native.longest(table, Address("11.1.2.3")) is None
        assert native.longest(table, Shifted("10.1.2.3")) == table.longest(Shifted("10.1.2.3"))
        assert native.longest(table, Shifted("10.1.2.3")) == "nine"


def test_a_thawed_table_is_frozen_by_the_first_look_up() -> None:
    table = PrefixTable.build([("10.0.0.0/8", "ten")])
    assert not table._longest
    assert native.longest(table, parse_address("10.1.2.3")) == "ten"
    assert V4 in table._longest  # built once, by the method, and read from now on
    table.add("10.1.0.0/16", "ten-one")
    assert native.longest(table, parse_address("10.1.2.3")) == "ten-one"
    assert native.matches(table, parse_address("10.1.2.3")) == [(16, "ten-one"), (8, "ten")]
    assert native.longest(table, parse_address("2001:db8::1")) is None


def _frozen() -> PrefixTable[str]:
    return PrefixTable.build([("10.0.0.0/8", "ten"), ("2001:db8::/32", "doc")]).freeze()


def test_what_is_not_a_table_or_an_address_is_refused() -> None:
    table, address = _frozen(), parse_address("10.1.2.3")
    for look_up in (native.longest, native.matches):
        for args in [(table,), (table, address, address), ()]:
            with pytest.raises(TypeError):
                look_up(*args)
        for not_a_table in (object(), None, {V4: ()}, "table"):
            with pytest.raises(TypeError):
                look_up(not_a_table, address)
        for not_an_address in ("10.1.2.3", 167838211, None, ipaddress.ip_network("10.0.0.0/8")):
            with pytest.raises(TypeError):
                look_up(table, not_an_address)


def _forms_of_the_wrong_shape() -> list[object]:
    starts, buckets, shift, owners, answers = _frozen()._longest[V4]
    return [
        None,
        [starts, buckets, shift, owners, answers],  # a list, not a tuple
        (starts, buckets, shift, owners),
        (starts, buckets, shift, owners, answers, None),
        (starts, buckets, shift, owners, tuple(answers)),  # answers: a list
        (list(starts), buckets, "32", owners, answers),
        (starts, buckets, -1, owners, answers),
        (starts, buckets, 129, owners, answers),
        (starts, list(buckets), shift, owners, answers),  # no buffer
        (starts, array("H", buckets), shift, owners, answers),  # 2-byte items
        (starts, buckets, shift, array("q", owners), answers),
        (starts, buckets, shift, b"\0" * 8, answers),  # a buffer of bytes
        (array("d", starts), buckets, shift, owners, answers),
        ("0123", buckets, shift, owners, answers),
        ([str(s) for s in starts], buckets, shift, owners, answers),  # IPv6's: ints
    ]


@pytest.mark.parametrize("form", _forms_of_the_wrong_shape())
def test_a_form_of_the_wrong_shape_is_refused(form: object) -> None:
    table = _frozen()
    table._longest[V4] = table._matches[V4] = form  # type: ignore[assignment]
    with pytest.raises(TypeError):
        native.longest(table, parse_address("10.1.2.3"))
    with pytest.raises(TypeError):
        native.matches(table, parse_address("10.1.2.3"))


def test_forms_not_dicts_are_refused() -> None:
    table = _frozen()
    table._longest = table._matches = [V4]  # type: ignore[assignment]
    with pytest.raises(TypeError):
        native.longest(table, parse_address("10.1.2.3"))
    with pytest.raises(TypeError):
        native.matches(table, parse_address("10.1.2.3"))


def test_a_form_that_points_beyond_itself_is_refused() -> None:
    """Indices past an array's end raise IndexError, as the method's indexing does."""
    table = _frozen()
    starts, buckets, shift, owners, answers = table._longest[V4]
    address = parse_address("10.1.2.3")
    beyond = [
        (starts, array("I", [0]), shift, owners, answers),  # no bucket for the address
        (starts, array("I", [0, len(starts) + 5]), 32, owners, answers),  # past the starts
        (starts, buckets, shift, array("I", [0]), answers),  # past the owners
        (starts, buckets, shift, array("I", [9] * len(owners)), answers),  # past the answers
        ([0, 1], array("I", [0, 5]), 32, owners, answers),  # a list's bucket past its end
    ]
    for form in beyond:
        table._longest[V4] = table._matches[V4] = form
        with pytest.raises(IndexError):
            native.longest(table, address)
        with pytest.raises(IndexError):
            native.matches(table, address)
    # an IPv6 number is beyond an IPv4 form's 32-bit starts
    table._longest[V6] = (starts, buckets, shift, owners, answers)
    with pytest.raises(TypeError):
        native.longest(table, parse_address("2001:db8::1"))


def test_reference_counts_are_kept() -> None:
    table = PrefixTable.build(
        [("10.0.0.0/8", "ten"), ("10.1.0.0/16", "ten-one"), ("2001:db8::/32", "doc")]
    ).freeze(matches=True)
    v4, v6, outside = (parse_address(a) for a in ("10.1.2.3", "2001:db8::1", "11.0.0.0"))
    bad = PrefixTable.build([("10.0.0.0/8", "ten")]).freeze()
    starts, buckets, shift, owners, answers = bad._longest[V4]
    bad._longest[V4] = (starts, buckets, shift, owners, tuple(answers))  # type: ignore[assignment]
    beyond = PrefixTable.build([("10.0.0.0/8", "ten")]).freeze()
    beyond._longest[V4] = (starts, buckets, shift, array("I", [7] * len(owners)), answers)
    watched = [
        table, v4, v6, outside, table._longest, table._matches, bad, beyond, *answers,
        v4._ip, v6._ip, outside._ip,  # the numbers the look-ups read
        *table._longest.values(), *table._matches.values(), *table._matches[V4][4],
        *table._longest[V4][4], *table._longest[V6][4],
    ]  # fmt: skip
    # None and () (the answers for no netblock) are shared: their counts move with anything
    watched = [x for x in watched if x is not None and x != ()]
    before = [sys.getrefcount(x) for x in watched]
    for _ in range(2000):
        for address in (v4, v6, outside):
            native.longest(table, address)
            native.matches(table, address)
        for hostile in (bad, beyond):
            with pytest.raises((TypeError, IndexError)):
                native.longest(hostile, v4)
        with pytest.raises(TypeError):
            native.longest(table, "10.1.2.3")
    del address, hostile  # the loops' names held the last ones
    assert [sys.getrefcount(x) for x in watched] == before


def test_the_hot_callers_use_the_compiled_look_ups_unless_told_not_to() -> None:
    if compiled.wanted():
        assert netblocks.longest is native.longest and netblocks.matches is native.matches
    code = (
        "from mirrormanager.core import netblocks as n\n"
        "print(n.longest is n.PrefixTable.longest, n.matches is n.PrefixTable.matches)"
    )
    env = {**os.environ, "MIRRORMANAGER_PURE_PYTHON": "1", "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True"]
