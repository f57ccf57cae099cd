"""Prefix tables against a brute-force reference."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
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
