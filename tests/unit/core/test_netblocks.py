"""Prefix tables against a brute-force reference."""

from __future__ import annotations

import ipaddress
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.netblocks import PrefixTable, parse_address, parse_network

v4_networks = st.builds(
    lambda n, p: ipaddress.ip_network((n, p), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
v6_networks = st.builds(
    lambda n, p: ipaddress.ip_network((n, p), strict=False),
    st.integers(0, 2**128 - 1),
    st.integers(0, 128),
)


def near(network: ipaddress.IPv4Network | ipaddress.IPv6Network, offset: int) -> int:
    # addresses in or next to a network make matches likely
    return int(network.network_address) + offset


@given(
    st.lists(v4_networks, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(-3, 300)), max_size=20),
    st.lists(st.integers(0, 2**32 - 1), max_size=5),
)
def test_ipv4_matches_brute_force(networks, probes, randoms) -> None:
    table = PrefixTable.build(((n, (i,)) for i, n in enumerate(networks)), lambda a, b: a + b)
    addresses = [
        near(networks[i % len(networks)], off) % 2**32 for i, off in probes if networks
    ] + randoms
    for number in addresses:
        address = ipaddress.IPv4Address(number)
        expected: dict[int, set[int]] = {}
        for i, n in enumerate(networks):
            if address in n:
                expected.setdefault(n.prefixlen, set()).add(i)
        got = table.matches(address)
        assert [length for length, _ in got] == sorted(expected, reverse=True)
        assert {length: set(ids) for length, ids in got} == expected
        longest = table.longest(address)
        assert (longest is None) == (not expected)


@given(st.lists(v6_networks, max_size=30), st.lists(st.integers(-2, 2**20), max_size=10))
def test_ipv6_longest_matches_brute_force(networks, offsets) -> None:
    table = PrefixTable.build((n, n.prefixlen) for n in networks)
    for i, off in enumerate(offsets):
        if not networks:
            break
        address = ipaddress.IPv6Address(near(networks[i % len(networks)], off) % 2**128)
        best = max((n.prefixlen for n in networks if address in n), default=None)
        assert table.longest(address) == best


def test_families_do_not_mix_and_mapped_addresses_are_ipv4() -> None:
    table = PrefixTable.build([("10.0.0.0/8", "v4"), ("::/0", "v6")])
    assert table.longest(parse_address("::ffff:10.1.2.3")) == "v4"
    assert table.longest(parse_address("2001:db8::1")) == "v6"
    assert table.longest(parse_address("11.0.0.1")) is None
    assert len(table) == 2


def test_parsing() -> None:
    assert str(parse_network("10.1.2.3/8")) == "10.0.0.0/8"
    assert str(parse_address(" fe80::1%eth0 ")) == "fe80::1"
    with pytest.raises(ValueError):
        parse_address("not-an-ip")


@given(st.one_of(v4_networks, v6_networks), st.booleans())
def test_fast_cidr_parser_agrees_with_ipaddress(network, host_bits) -> None:
    from mirrormanager.core.netblocks import parse_cidr

    address = network.broadcast_address if host_bits else network.network_address
    text = f"{address}/{network.prefixlen}"
    assert parse_cidr(text) == (network.version, int(network.network_address), network.prefixlen)


@pytest.mark.parametrize("bad", ["1.2.3/8", "1.2.3.4/33", "::/129", "1.2.3.4/x", "", "a/1"])
def test_fast_cidr_parser_rejects(bad: str) -> None:
    from mirrormanager.core.netblocks import parse_cidr

    with pytest.raises(ValueError):
        parse_cidr(bad)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789.:abf% ", max_size=20))
def test_parse_address_fast_path_agrees_with_ipaddress(text: str) -> None:
    stripped = text.strip().split("%", 1)[0]
    try:
        expected = ipaddress.ip_address(stripped)
    except ValueError:
        expected = None
    if isinstance(expected, ipaddress.IPv6Address) and expected.ipv4_mapped is not None:
        expected = expected.ipv4_mapped
    try:
        got = parse_address(text)
    except ValueError:
        got = None
    assert got == expected and type(got) is type(expected)


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.integers(0, 300).map(str) | st.sampled_from(["00", "01", "007", ""]),
        min_size=3,
        max_size=5,
    )
)
def test_parse_address_dotted_quads(parts: list[str]) -> None:
    text = ".".join(parts)
    try:
        expected = ipaddress.ip_address(text)
    except ValueError:
        expected = None
    try:
        got = parse_address(text)
    except ValueError:
        got = None
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["10.0.0.0", "10.1.2.3", "192.0.2.0", "2001:db8::", "::1", "300.1.1.1", "x", ""]
            ),
            st.sampled_from(["", "/8", "/16", "/24", "/32", "/33", "/48", "/x", "/-1", "/"]),
            st.integers(0, 5),
        ),
        max_size=30,
    )
)
def test_update_is_add_row_by_row(rows: list[tuple[str, str, int]]) -> None:
    one: PrefixTable[int] = PrefixTable()
    bad = 0
    for address, length, value in rows:
        try:
            one.add(f" {address}{length}", value)
        except ValueError:
            bad += 1
    many: PrefixTable[int] = PrefixTable()
    assert many.update((f" {a}{n}", v) for a, n, v in rows) == bad
    assert len(many) == len(one)
    for text in ("10.1.2.3", "10.200.0.1", "192.0.2.9", "2001:db8::5", "::1", "8.8.8.8"):
        address = parse_address(text)
        assert many.matches(address) == one.matches(address)
        assert many.longest(address) == one.longest(address)


# --- the frozen (interval) form against the implementation it replaced ---------------------


class ReferenceTable:
    """The dict-per-prefix-length PrefixTable as it was before the interval form (its
    look-ups probe every prefix length present): the answers the new one must give."""

    def __init__(self) -> None:
        self._tables: dict[int, dict[int, dict[int, object]]] = {4: {}, 6: {}}
        self._levels: dict[int, tuple[tuple[int, int, dict[int, object]], ...]] = {4: (), 6: ()}

    def add(self, cidr, value, merge=None) -> None:  # type: ignore[no-untyped-def]
        network = ipaddress.ip_network(cidr, strict=False) if isinstance(cidr, str) else cidr
        family, number, length = network.version, int(network.network_address), network.prefixlen
        bits = 32 if family == 4 else 128
        by_length = self._tables[family]
        level = by_length.get(length)
        if level is None:
            level = by_length[length] = {}
            lengths = sorted(by_length, reverse=True)
            self._levels[family] = tuple((n, bits - n, by_length[n]) for n in lengths)
        key = number >> (bits - length)
        level[key] = merge(level[key], value) if merge and key in level else value

    def longest(self, address):  # type: ignore[no-untyped-def]
        number = int(address)
        for _length, shift, level in self._levels[address.version]:
            value = level.get(number >> shift)
            if value is not None:
                return value
        return None

    def matches(self, address):  # type: ignore[no-untyped-def]
        number = int(address)
        found = []
        for length, shift, level in self._levels[address.version]:
            value = level.get(number >> shift)
            if value is not None:
                found.append((length, value))
        return found


def _network(version: int, number: int, length: int):  # type: ignore[no-untyped-def]
    kind = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    return kind((number, length), strict=False)


# Networks drawn around a few anchors so that they nest, overlap and repeat; /0 and the
# host lengths (/32, /128) come up often.
_ANCHORS = {4: (0, 0x0A000000, 0x0A01FF00, 0xFFFFFFFF), 6: (0, 0x20010DB8 << 96, 2**128 - 1)}
_LENGTHS = {4: st.sampled_from([0, 1, 7, 8, 9, 16, 23, 24, 31, 32]) | st.integers(0, 32)}
_LENGTHS[6] = st.sampled_from([0, 1, 32, 48, 64, 127, 128]) | st.integers(0, 128)


@st.composite
def _networks(draw, version: int):  # type: ignore[no-untyped-def]
    bits = 32 if version == 4 else 128
    base = draw(st.sampled_from(_ANCHORS[version]) | st.integers(0, 2**bits - 1))
    spread = draw(st.sampled_from([0, 1, 255, 2**16]))
    number = (base + draw(st.integers(-spread, spread))) % 2**bits
    return _network(version, number, draw(_LENGTHS[version]))


_values = st.one_of(
    st.integers(-3, 3), st.text(max_size=2), st.tuples(st.integers(0, 9)), st.none()
)


def _probes(networks) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:  # type: ignore[no-untyped-def]
    """Every interval boundary the networks make, and the addresses either side."""
    found = []
    for network in networks:
        top = 2**network.max_prefixlen
        cls = type(network.network_address)
        first, last = int(network.network_address), int(network.broadcast_address)
        for number in (first - 1, first, first + 1, last - 1, last, last + 1):
            if 0 <= number < top:
                found.append(cls(number))
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([4, 6]), st.data(), _values),
        max_size=40,
    ),
    st.lists(st.integers(0, 2**32 - 1), max_size=5),
    st.lists(st.integers(0, 2**128 - 1), max_size=5),
    st.booleans(),
    st.booleans(),
)
def test_frozen_form_answers_as_the_reference(rows, v4, v6, merged, frozen) -> None:  # type: ignore[no-untyped-def]
    networks = [(data.draw(_networks(version)), value) for version, data, value in rows]
    merge = (lambda a, b: (a, b)) if merged else None
    table: PrefixTable[object] = PrefixTable()
    reference = ReferenceTable()
    for network, value in networks:
        # text and network objects both: a CIDR with its host bits set is the network
        cidr = f"{network.broadcast_address}/{network.prefixlen}" if value == 1 else network
        table.add(cidr, value, merge)
        reference.add(network, value, merge)
    if frozen:
        table.freeze(matches=bool(v4))
    addresses = _probes(n for n, _ in networks)
    addresses += [ipaddress.IPv4Address(n) for n in v4] + [ipaddress.IPv6Address(n) for n in v6]
    addresses += [ipaddress.IPv4Address(0), ipaddress.IPv6Address(2**128 - 1)]
    for address in addresses:
        assert table.longest(address) == reference.longest(address), address
        assert table.matches(address) == reference.matches(address), address


def test_frozen_form_of_thousands_of_netblocks() -> None:
    """Big enough for the bucket index to have many buckets (hypothesis tables are small)."""
    rng = random.Random(7)
    table: PrefixTable[int] = PrefixTable()
    reference = ReferenceTable()
    rows = []
    for i in range(6000):
        length = rng.randint(0, 32) if i % 10 else rng.randint(8, 24)
        rows.append((_network(4, rng.getrandbits(32), length), i))
    for i in range(2000):
        rows.append((_network(6, (0x2001 << 112) | rng.getrandbits(112), rng.randint(16, 64)), i))
    for network, value in rows:
        table.add(network, value)
        reference.add(network, value)
    table.freeze(matches=True)
    addresses = _probes(network for network, _ in rows[::7])
    addresses += [ipaddress.IPv4Address(rng.getrandbits(32)) for _ in range(2000)]
    for address in addresses:
        assert table.longest(address) == reference.longest(address)
        assert table.matches(address) == reference.matches(address)


@pytest.mark.parametrize("text", ["0.0.0.0", "10.1.2.3", "255.255.255.255", "::", "2001:db8::1"])
def test_empty_table(text: str) -> None:
    table: PrefixTable[int] = PrefixTable().freeze(matches=True)
    assert table.longest(parse_address(text)) is None
    assert table.matches(parse_address(text)) == []
    assert len(table) == 0


def test_interval_boundaries() -> None:
    table = PrefixTable.build(
        [
            ("0.0.0.0/0", "all"),
            ("10.0.0.0/8", "ten"),
            ("10.1.0.0/16", "ten-one"),
            ("10.1.0.0/24", "ten-one-zero"),
            ("10.255.255.255/32", "last-of-ten"),
            ("255.255.255.255/32", "last"),
            ("2001:db8::/32", "doc"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "last6"),
        ]
    ).freeze(matches=True)
    expected = {
        "0.0.0.0": ["all"],
        "9.255.255.255": ["all"],
        "10.0.0.0": ["ten", "all"],
        "10.0.255.255": ["ten", "all"],
        "10.1.0.0": ["ten-one-zero", "ten-one", "ten", "all"],
        "10.1.0.255": ["ten-one-zero", "ten-one", "ten", "all"],
        "10.1.1.0": ["ten-one", "ten", "all"],
        "10.1.255.255": ["ten-one", "ten", "all"],
        "10.2.0.0": ["ten", "all"],
        "10.255.255.254": ["ten", "all"],
        "10.255.255.255": ["last-of-ten", "ten", "all"],
        "11.0.0.0": ["all"],
        "255.255.255.254": ["all"],
        "255.255.255.255": ["last", "all"],
        "::": [],
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff": [],
        "2001:db8::": ["doc"],
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff": ["doc"],
        "2001:db9::": [],
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe": [],
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": ["last6"],
    }
    for text, values in expected.items():
        address = parse_address(text)
        assert [value for _, value in table.matches(address)] == values, text
        assert table.longest(address) == (values[0] if values else None), text
    assert table.matches(parse_address("10.1.0.7"))[:2] == [(24, "ten-one-zero"), (16, "ten-one")]


def test_a_change_after_freezing_is_seen() -> None:
    table: PrefixTable[str] = PrefixTable.build([("10.0.0.0/8", "ten")]).freeze()
    inside = parse_address("10.1.2.3")
    assert table.longest(inside) == "ten"
    table.add("10.1.0.0/16", "ten-one")
    assert table.longest(inside) == "ten-one"
    assert table.matches(inside) == [(16, "ten-one"), (8, "ten")]  # built on first use
    table.update([("10.1.2.0/24", "ten-one-two"), ("2001:db8::/32", "doc")])
    assert table.longest(inside) == "ten-one-two"
    assert table.matches(inside) == [(24, "ten-one-two"), (16, "ten-one"), (8, "ten")]
    assert table.longest(parse_address("2001:db8::1")) == "doc"
    assert len(table) == 4


def test_address_subclasses_are_answered() -> None:
    class Address(ipaddress.IPv4Address):
        pass

    table = PrefixTable.build([("10.0.0.0/8", "ten")]).freeze(matches=True)
    assert table.longest(Address("10.1.2.3")) == "ten"
    assert table.matches(Address("10.1.2.3")) == [(8, "ten")]
    assert table.longest(Address("11.1.2.3")) is None


def test_a_loaded_index_answers_without_building_anything(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The snapshot load freezes the tables: no request pays for building them."""
    from mirrormanager.core import netblocks
    from mirrormanager.core.selection_index import SelectionIndex
    from tests.data import snapshots

    index = SelectionIndex(snapshots.build(), minimum=5)

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a look-up built a frozen form")

    monkeypatch.setattr(netblocks, "_intervals", refused)
    for text in ("192.0.2.10", "198.51.100.200", "203.0.113.5", "100.64.1.1", "2001:db8::1"):
        address = parse_address(text)
        index.host_netblocks.matches(address)
        index.asn_table.longest(address)
        index.country_overrides.longest(address)
    assert index.host_netblocks.matches(parse_address("198.51.100.200"))[0][0] == 25
    assert index.asn_table.longest(parse_address("203.0.113.5")) == 64500
    assert index.country_overrides.longest(parse_address("100.64.1.1")) == "AT"
