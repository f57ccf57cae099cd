"""Write small, real MaxMind country databases for tests and the demo (needs mmdb-writer)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


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
