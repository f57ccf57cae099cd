"""The GeoIP answers kept per /24 (/48) and /16 (/32) block are the database's own answers."""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path

import maxminddb
import pytest

from mirrormanager.core.netblocks import parse_address
from mirrormanager.demo.geoip import write_country_mmdb
from mirrormanager.mirrorlist.geoip import MaxMindCountry

# Networks shorter, equal to and longer than the kept block, in both families; the /25
# and the /32 sit inside a /16 of another country, the /64 inside a /32.
NETWORKS = {
    "10.0.0.0/8": "DE",
    "10.1.0.0/16": "FR",
    "10.1.2.0/24": "JP",
    "10.1.3.0/25": "BR",
    "10.1.4.7/32": "US",
    "2001:db8::/32": "NL",
    "2001:db8:1::/48": "SE",
    "2001:db8:2:3::/64": "CA",
}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_country_mmdb(tmp_path_factory.mktemp("geo") / "c.mmdb", NETWORKS)


def reference(path: Path, address: str) -> str:
    with maxminddb.open_database(str(path)) as reader:
        record = reader.get(address)
    return record["country"]["iso_code"] if isinstance(record, dict) else ""


def addresses(rng: random.Random) -> list[str]:
    """Addresses in and around every network, each block met several times."""
    out = []
    for cidr in NETWORKS:
        net = ipaddress.ip_network(cidr)
        around = net.supernet(new_prefix=max(0, net.prefixlen - 2))
        for _ in range(40):
            out.append(str(around[rng.randrange(around.num_addresses)]))
    out += [f"10.1.3.{n}" for n in (1, 127, 128, 200)]  # both halves of the /25's /24
    out += ["10.1.4.7", "10.1.4.8", "10.1.4.6", "10.1.4.7"]
    rng.shuffle(out)
    return out


def test_kept_answers_are_the_databases_answers(database: Path) -> None:
    geoip = MaxMindCountry(database)
    for address in addresses(random.Random(1)) * 2:
        assert geoip.country(parse_address(address)) == reference(database, address), address


def test_a_block_inside_one_network_is_read_once(database: Path) -> None:
    geoip = MaxMindCountry(database)
    assert geoip.country(parse_address("10.1.2.1")) == "JP"
    assert geoip.country(parse_address("10.1.2.200")) == "JP"
    assert geoip.lookups == 1
    # the /24 that holds a /25 is not one answer: each address is read
    assert geoip.country(parse_address("10.1.3.1")) == "BR"
    assert geoip.country(parse_address("10.1.3.129")) == "FR"
    assert geoip.country(parse_address("10.1.3.2")) == "BR"
    assert geoip.lookups == 4


def test_families_do_not_share_keys(database: Path) -> None:
    geoip = MaxMindCountry(database)
    # 10.1.2.0/24 and 0:a:102::/48 have the same block number (0x0a0102)
    assert geoip.country(parse_address("10.1.2.3")) == "JP"
    assert geoip.country(parse_address("0:a:102::1")) == ""
    assert geoip.country(parse_address("2001:db8:1:ffff::1")) == "SE"
    assert geoip.country(parse_address("2001:db8:2:3::1")) == "CA"
    assert geoip.country(parse_address("2001:db8:2:4::1")) == "NL"


def test_the_cache_stays_bounded(database: Path) -> None:
    geoip = MaxMindCountry(database, cache_entries=4)
    for n in range(100):  # a /16 each, inside 10.0.0.0/8
        assert geoip.country(parse_address(f"10.{n + 2}.1.1")) == "DE"
    assert len(geoip._cache) <= 4
    assert geoip.lookups >= 96  # the cleared blocks are read again, correctly


def test_a_wide_network_is_read_once_per_16(database: Path) -> None:
    geoip = MaxMindCountry(database)
    # 10.2.0.0/16 holds no more specific network: one answer for all its /24 blocks
    for third in (0, 7, 255, 7):
        assert geoip.country(parse_address(f"10.2.{third}.9")) == "DE"
    assert geoip.lookups == 1
    # 10.1.0.0/16 holds longer networks: its blocks are kept one by one
    assert geoip.country(parse_address("10.1.9.1")) == "FR"
    assert geoip.country(parse_address("10.1.2.1")) == "JP"
    assert geoip.country(parse_address("10.1.10.1")) == "FR"
    assert geoip.lookups == 4
    # IPv6 alike per /32: 2001:db8::/32 holds longer networks, 2001:db9::/32 is unknown
    assert geoip.country(parse_address("2001:db8:7::1")) == "NL"
    assert geoip.country(parse_address("2001:db8:1::5")) == "SE"
    assert geoip.lookups == 6


def test_wide_and_block_keys_never_meet(database: Path) -> None:
    geoip = MaxMindCountry(database)
    # 10.2.0.0/16 is kept as a wide key; the /24 numbered 10.2 (0.10.2.0/24) is not in
    # the database, nor is the /48 or /32 with those numbers
    assert geoip.country(parse_address("10.2.3.4")) == "DE"
    assert geoip.country(parse_address("0.10.2.1")) == ""
    assert geoip.country(parse_address("0:a02::1")) == ""
    assert geoip.country(parse_address("0:a:200::1")) == ""
    assert geoip.country(parse_address("10.2.3.5")) == "DE"
