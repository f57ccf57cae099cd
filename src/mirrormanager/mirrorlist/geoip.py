"""Country (and, from a city database, position) of an address from a MaxMind-format
database (GeoLite2-Country or -City, DB-IP lite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from mirrormanager.core.geo import Position
from mirrormanager.core.netblocks import Address
from mirrormanager.logging import get_logger

log = get_logger(__name__)


class CountryLookup(Protocol):
    def country(self, address: Address) -> str:
        """Upper-case ISO code, "" when unknown."""
        ...

    def locate(self, address: Address) -> tuple[str, Position | None]:
        """The country and, when the database has it, the position (one lookup)."""
        ...


class NoGeoIP:
    """No database: every client's country is unknown (netblocks and ASNs still work)."""

    def country(self, address: Address) -> str:
        return ""

    def locate(self, address: Address) -> tuple[str, Position | None]:
        return "", None


class MaxMindCountry:
    """A memory-mapped reader: shared pages between workers, no per-request I/O.

    The C extension (`MODE_MMAP_EXT`, libmaxminddb) when the wheel has it: the same
    answers as the pure-Python reader in a tenth of the time."""

    def __init__(self, path: Path) -> None:
        import maxminddb

        try:
            self._reader: Any = maxminddb.open_database(str(path), maxminddb.MODE_MMAP_EXT)
        except (ImportError, ValueError, AttributeError):
            self._reader = maxminddb.open_database(str(path), maxminddb.MODE_MMAP)

    def country(self, address: Address) -> str:
        return self.locate(address)[0]

    def locate(self, address: Address) -> tuple[str, Position | None]:
        try:
            record = self._reader.get(address)
        except ValueError:
            return "", None
        if not isinstance(record, dict):
            return "", None
        return _country(record), _position(record)

    def close(self) -> None:
        self._reader.close()


def _country(record: dict[str, Any]) -> str:
    for key in ("country", "registered_country"):
        entry = record.get(key)
        if isinstance(entry, dict):
            code = entry.get("iso_code")
            if isinstance(code, str) and code:
                return code.upper()
    return ""


def _position(record: dict[str, Any]) -> Position | None:
    """A city database's `location` (latitude, longitude); None for country databases
    or values out of range."""
    location = record.get("location")
    if not isinstance(location, dict):
        return None
    lat, lon = location.get("latitude"), location.get("longitude")
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (float(lat), float(lon))


def open_geoip(path: str | Path | None) -> CountryLookup:
    """The database at `path`, or NoGeoIP with a warning when it is missing or broken."""
    if not path:
        log.warning("geoip disabled", reason="no geoip_database configured")
        return NoGeoIP()
    try:
        return MaxMindCountry(Path(path))
    except (OSError, ValueError, ImportError) as exc:
        log.warning("geoip unavailable, countries unknown", path=str(path), error=str(exc))
        return NoGeoIP()
