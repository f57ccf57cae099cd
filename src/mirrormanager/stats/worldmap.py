"""Mirror locations and a static world map (SVG), from the vendored country outlines.

A mirror is placed at its host's coordinates, else at its country's centroid (a table
computed from Natural Earth outlines by `scripts/vendor-js.sh`). The SVG is drawn in the
equirectangular projection: longitude → x, latitude → y, no library needed for that.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from mirrormanager.errors import NotAvailableError
from mirrormanager.stats.mirrors import PROTOCOLS, MirrorRow

WORLD = ("web", "public", "static", "vendor", "world")
WIDTH, HEIGHT = 1000, 500  # 1 degree = 2.78 px; the map spans latitudes -90..90


@dataclass(frozen=True, slots=True)
class MapPoint:
    host: str
    site: str
    country: str
    latitude: float
    longitude: float
    exact: bool  # False: the country's centroid
    bandwidth: int
    status: str
    urls: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _vendor_file(name: str) -> str:
    path = resources.files("mirrormanager").joinpath(*WORLD, name)
    return path.read_text("utf-8")


@cache
def centroids() -> dict[str, tuple[float, float, str]]:
    """ISO alpha-2 → (latitude, longitude, country name)."""
    raw = json.loads(_vendor_file("country-centroids.json"))
    return {code: (v["lat"], v["lon"], v["name"]) for code, v in raw.items()}


@cache
def countries_geojson() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_vendor_file("countries-110m.geojson"))
    return data


def map_points(rows: Iterable[MirrorRow]) -> list[MapPoint]:
    """Where to draw each mirror; mirrors of unknown location are left out."""
    table = centroids()
    points = []
    for row in rows:
        exact = row.latitude is not None and row.longitude is not None
        if exact:
            lat, lon = float(row.latitude or 0.0), float(row.longitude or 0.0)
        elif row.country in table:
            lat, lon, _ = table[row.country]
        else:
            continue
        urls = tuple(url for p in PROTOCOLS for url in row.urls.get(p, ()))
        points.append(
            MapPoint(
                row.host, row.site, row.country, lat, lon, exact, row.bandwidth, row.status, urls
            )
        )
    return points


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180.0) * WIDTH / 360.0, (90.0 - lat) * HEIGHT / 180.0


def _path(polygons: Sequence[Sequence[Sequence[Sequence[float]]]]) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            xy = [_xy(lon, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


STATUS_COLOURS = {"current": "#2e7d32", "stale": "#e65100", "unknown": "#1565c0"}


def render_svg(points: Sequence[MapPoint], *, title: str = "Public mirrors") -> str:
    """A standalone SVG world map with one dot per mirror (radius grows with bandwidth)."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 40}" '
        f'width="{WIDTH}" height="{HEIGHT + 40}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#dbe9f4"/>',
        '<g fill="#f4f1ea" stroke="#9e9e9e" stroke-width="0.4">',
    ]
    for feature in countries_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        name = feature["properties"].get("name", "")
        out.append(f'<path d="{_path(polygons)}"><title>{escape(name)}</title></path>')
    out.append("</g>")
    out.append('<g stroke="#fff" stroke-width="0.8" fill-opacity="0.85">')
    for point in sorted(points, key=lambda p: -p.bandwidth):
        x, y = _xy(point.longitude, point.latitude)
        radius = 3 + min(5.0, point.bandwidth / 4000)
        label = f"{point.host} ({point.country}, {point.bandwidth} Mbit/s, {point.status})"
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
            f'fill="{STATUS_COLOURS.get(point.status, "#1565c0")}">'
            f"<title>{escape(label)}</title></circle>"
        )
    out.append("</g>")
    legend_y = HEIGHT + 25
    out.append(
        f'<text x="10" y="{legend_y}" font-size="14">{escape(title)}: {len(points)} mirrors'
        " (dot size: bandwidth)</text>"
    )
    x = 560
    for status, colour in STATUS_COLOURS.items():
        out.append(f'<circle cx="{x}" cy="{legend_y - 5}" r="6" fill={quoteattr(colour)}/>')
        out.append(f'<text x="{x + 10}" y="{legend_y}" font-size="14">{status}</text>')
        x += 110
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_png(points: Sequence[MapPoint], *, title: str = "Public mirrors") -> bytes:
    """The same map as a PNG, drawn by matplotlib (an optional dependency)."""
    try:
        import matplotlib  # optional: imported only for PNG output

        matplotlib.use("Agg")
        from matplotlib import pyplot
        from matplotlib.collections import PolyCollection
        from matplotlib.patches import Rectangle
    except ImportError:
        raise NotAvailableError(
            "PNG maps need matplotlib", hint="pip install matplotlib, or write an .svg"
        ) from None
    figure = pyplot.figure(figsize=(WIDTH / 100, HEIGHT / 100 + 0.4), dpi=150)
    axes = figure.add_axes((0, 0.07, 1, 0.93))
    axes.set_xlim(-180, 180)
    axes.set_ylim(-90, 90)
    axes.set_axis_off()
    axes.add_patch(Rectangle((-180, -90), 360, 180, color="#dbe9f4", zorder=0))
    rings: list[Any] = []
    for feature in countries_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings.extend(polygon[0] for polygon in polygons)
    axes.add_collection(
        PolyCollection(rings, facecolors="#f4f1ea", edgecolors="#9e9e9e", linewidths=0.3)
    )
    ordered = sorted(points, key=lambda p: -p.bandwidth)
    axes.scatter(
        [p.longitude for p in ordered],
        [p.latitude for p in ordered],
        s=[(3 + min(5.0, p.bandwidth / 4000)) ** 2 for p in ordered],
        c=[STATUS_COLOURS.get(p.status, "#1565c0") for p in ordered],
        edgecolors="white",
        linewidths=0.5,
        zorder=3,
    )
    figure.text(0.01, 0.02, f"{title}: {len(points)} mirrors (dot size: bandwidth)", fontsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
