"""Prefix tables against a brute-force reference."""

from __future__ import annotations

import ipaddress

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
