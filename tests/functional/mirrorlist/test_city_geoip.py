"""A real GeoLite2-City-shaped database gives clients' positions for distance ordering;
a country database leaves them to the country's centroid (issue 13 part 4)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection_index import SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot
from mirrormanager.demo.geoip import write_country_mmdb
from mirrormanager.mirrorlist.geoip import MaxMindCountry
from mirrormanager.mirrorlist.handlers import Handler
from mirrormanager.mirrorlist.prepared import prepare_record
from mirrormanager.mirrorlist.state import Loaded


def write_city_mmdb(path: Path, networks: dict[str, tuple[str, float, float]]) -> Path:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet  # type: ignore[import-untyped]

    writer: Any = MMDBWriter(ip_version=6, database_type="GeoLite2-City", ipv4_compatible=True)
    for cidr, (country, lat, lon) in networks.items():
        record = {"country": {"iso_code": country}, "location": {"latitude": lat, "longitude": lon}}
        writer.insert_network(IPSet([cidr]), record)
    writer.to_db_file(str(path))
    return path


# Two Saudi clients: one in Riyadh, one in Jeddah on the Red Sea coast
CITY = {"5.0.0.0/24": ("SA", 24.71, 46.68), "5.0.1.0/24": ("SA", 21.54, 39.17)}
# three hosts of the client's continent (Asia), placed by their operators
HOSTS = {
    1: HostInfo(1, "dubai", "AE", 100, 1, False, latitude=25.2, longitude=55.27),
    2: HostInfo(2, "amman", "JO", 100, 1, False, latitude=31.95, longitude=35.93),
    3: HostInfo(3, "tokyo", "JP", 100, 1, False, latitude=35.68, longitude=139.69),
}


def answer(geoip: MaxMindCountry, ip: str, seed: int, *, distance: bool = True) -> list[str]:
    urls = {i: HostUrl(i, i, f"https://{h.name}.example/pub") for i, h in HOSTS.items()}
    entry = DirectoryEntry("pub/d", "d", tuple((i, (i,)) for i in HOSTS))
    snap = Snapshot(1, 1, dict(HOSTS), urls, {"pub/d": entry}, {("r", "a"): "pub/d"})
    index = SelectionIndex(snap, prepare=prepare_record, distance_order=distance)
    loaded = Loaded(snap, index, "", (0, 0, 0), 0.0)
    response, _entry = Handler(geoip, random.Random(seed)).answer(
        loaded, "mirrorlist", {"path": "pub/d"}, ip, 0.0
    )
    return [line.split("//")[1].split(".")[0] for line in response.body.decode().splitlines()[1:]]


def test_city_database_positions_order_the_continent_step(tmp_path: Path) -> None:
    geoip = MaxMindCountry(write_city_mmdb(tmp_path / "city.mmdb", CITY))
    assert geoip.locate(parse_address("5.0.0.9")) == ("SA", (24.71, 46.68))
    for seed in range(30):
        # Riyadh: Dubai (~870 km) before Amman (~1,300 km), Tokyo last
        assert answer(geoip, "5.0.0.9", seed) == ["dubai", "amman", "tokyo"]
        # Jeddah: Amman (~1,200 km) and Dubai (~1,700 km) share a band; Tokyo still last
        assert answer(geoip, "5.0.1.9", seed)[-1] == "tokyo"
    jeddah_first = {answer(geoip, "5.0.1.9", seed)[0] for seed in range(30)}
    assert jeddah_first == {"dubai", "amman"}
    off = {answer(geoip, "5.0.0.9", seed, distance=False)[0] for seed in range(40)}
    assert "tokyo" in off  # the setting turns it off: one weighted shuffle


def test_a_country_database_has_no_positions(tmp_path: Path) -> None:
    geoip = MaxMindCountry(write_country_mmdb(tmp_path / "country.mmdb", {"5.0.0.0/16": "SA"}))
    assert geoip.locate(parse_address("5.0.0.9")) == ("SA", None)
    for seed in range(10):  # SA's centroid stands in: Tokyo still last
        assert answer(geoip, "5.0.0.9", seed)[-1] == "tokyo"
