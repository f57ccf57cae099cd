"""Write small, real MaxMind country databases for the demo and tests (needs mmdb-writer)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The demo's country database: documentation and shared address space by country.
DEMO_GEOIP = {
    "127.0.0.0/8": "DE",  # this machine: curl from the demo's own host looks German
    "192.0.2.0/24": "DE",
    "198.51.100.0/24": "DE",
    "203.0.113.0/24": "JP",
    "2001:db8:1::/48": "US",
    "100.64.0.0/10": "BR",
}


def write_country_mmdb(path: str | Path, networks: Mapping[str, str]) -> Path:
    """A GeoLite2-Country-shaped database mapping each CIDR to an ISO country code."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet  # type: ignore[import-untyped]

    writer: Any = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    for cidr, country in networks.items():
        writer.insert_network(IPSet([cidr]), {"country": {"iso_code": country.upper()}})
    target = Path(path)
    writer.to_db_file(str(target))
    return target
