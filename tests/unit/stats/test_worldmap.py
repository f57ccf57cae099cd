"""The static map and mirror placement (pure: no database)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from mirrormanager.stats.mirrors import MirrorRow
from mirrormanager.stats.worldmap import centroids, map_points, render_png, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def _row(host: str, country: str, lat: float | None = None, lon: float | None = None) -> MirrorRow:
    return MirrorRow(
        host_id=1,
        site="s",
        site_url=None,
        host=host,
        country=country,
        continent="EU",
        bandwidth=1000,
        comment="",
        internet2=False,
        latitude=lat,
        longitude=lon,
        urls={"https": ["https://a/x"], "rsync": ["rsync://a/x"]},
        status="current",
    )


def test_centroid_table_covers_mirror_countries() -> None:
    table = centroids()
    for code in ("DE", "US", "JP", "BR", "AU", "SG", "HK", "LU", "RU", "NZ", "ZA", "CZ"):
        assert code in table, code
    lat, lon, name = table["RU"]
    assert 50 < lat < 70 and 40 < lon < 140 and name == "Russia"


def test_points_use_coordinates_else_centroid_else_skip() -> None:
    points = map_points([_row("a", "DE", 1.5, 2.5), _row("b", "FR"), _row("c", "ZZ")])
    assert [(p.host, p.exact) for p in points] == [("a", True), ("b", False)]
    assert (points[0].latitude, points[0].longitude) == (1.5, 2.5)
    assert points[0].urls == ("https://a/x", "rsync://a/x")
    assert 42 < points[1].latitude < 51 and -5 < points[1].longitude < 8


def test_svg_is_valid_and_draws_every_mirror() -> None:
    points = map_points([_row("a<b>", "DE"), _row("c", "US")])
    root = ET.fromstring(render_svg(points, title="T & U"))
    assert len(root.findall(f".//{SVG}path")) > 150  # countries
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "a<b> (DE, 1000 Mbit/s, current)" in titles and "T & U" in titles


def test_png() -> None:
    pytest.importorskip("matplotlib")
    data = render_png(map_points([_row("a", "DE")]))
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
