"""Distance bands from a client to every host (pure; issue 13 part 4).

The continent and global steps order hosts by 1,000 km band from the client, then by the
weighted shuffle inside a band (`Stratum.segments`, `weighted.segmented_order`).
Computing distances per request would cost a trigonometric call per candidate; instead,
per client *cell* (its position rounded to whole degrees, ~100 km: good enough for
1,000 km bands) every host's band is computed once, as a dot product of unit vectors
compared with the band limits' cosines (no arc cosine), and kept in a bounded table.
"""

from __future__ import annotations

import array
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping

from mirrormanager.core.bounded import keep
from mirrormanager.core.geo import EARTH_RADIUS_KM, Position, country_centroid
from mirrormanager.core.snapshot_model import HostInfo

BAND_KM = 1000.0  # hosts within one band count as equally near
_BANDS = int(math.pi * EARTH_RADIUS_KM // BAND_KM)  # 20: half the circumference
UNPLACED = float(_BANDS + 1)  # a host with no position: after every band
_MAX_CELLS = 1024  # cells remembered (8 bytes per host each)
# distance >= k bands  <=>  dot <= cos(k * BAND_KM / R); ascending as -cos for bisect
_LIMITS = [-math.cos(k * BAND_KM / EARTH_RADIUS_KM) for k in range(1, _BANDS + 1)]


def _unit(position: Position) -> tuple[float, float, float]:
    lat, lon = math.radians(position[0]), math.radians(position[1])
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def host_position(host: HostInfo) -> Position | None:
    """The host's own latitude/longitude, else its country's centroid, else None."""
    if host.latitude is not None and host.longitude is not None:
        return (host.latitude, host.longitude)
    return country_centroid(host.country)


def cell_of(position: Position) -> Position:
    return (float(round(position[0])), float(round(position[1])))


class BandTable:
    """Every host's distance band (0 = under 1,000 km) from a client cell, per cell."""

    def __init__(self, hosts: Mapping[int, HostInfo]) -> None:
        self.dense: dict[int, int] = {host_id: k for k, host_id in enumerate(hosts)}
        where = [host_position(h) for h in hosts.values()]
        self._vectors = [None if p is None else _unit(p) for p in where]
        self._cells: dict[Position, array.array[float]] = {}

    def offsets(self, cell: Position) -> array.array[float]:
        """Indexed by `dense[host id]`."""
        found = self._cells.get(cell)
        if found is None:
            cx, cy, cz = _unit(cell)
            limits = _LIMITS
            bands = array.array(
                "d",
                (
                    UNPLACED
                    if v is None
                    else float(bisect_right(limits, -(cx * v[0] + cy * v[1] + cz * v[2])))
                    for v in self._vectors
                ),
            )
            found = keep(self._cells, cell, bands, _MAX_CELLS)
        return found

    def for_hosts(self, cell: Position, host_ids: Iterable[int]) -> tuple[float, ...]:
        """The bands of these hosts, in their order."""
        return tuple(map(self.offsets(cell).__getitem__, map(self.dense.__getitem__, host_ids)))
