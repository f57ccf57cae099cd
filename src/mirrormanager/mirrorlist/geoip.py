"""Country (and, from a city database, position) of an address from a MaxMind-format
database (GeoLite2-Country or -City, DB-IP lite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from mirrormanager.core.bounded import keep
from mirrormanager.core.geo import Position
from mirrormanager.core.netblocks import Address
from mirrormanager.logging import get_logger

log = get_logger(__name__)

Located = tuple[str, Position | None]  # country ("": unknown), position


class CountryLookup(Protocol):
    def country(self, address: Address) -> str:
        """Upper-case ISO code, "" when unknown."""
        ...

    def locate(self, address: Address) -> Located:
        """The country and, when the database has it, the position (one lookup)."""
        ...


class NoGeoIP:
    """No database: every client's country is unknown (netblocks and ASNs still work)."""

    def country(self, address: Address) -> str:
        return ""

    def locate(self, address: Address) -> Located:
        return "", None


# The cache keys: the /24 (IPv4) or /48 (IPv6) holding the address, and the wider /16
# (/32) for networks that span it; each kind of key offset past the others, so that one
# dict holds them all: per family (its block and wide spans, their key offsets).
_LEVELS = {4: (24, 16, 0, 1 << 24), 6: (48, 32, 1 << 48, 1 << 49)}
CACHE_ENTRIES = 1 << 16  # blocks kept per worker (~5 MB at most, measured), cleared when full


class MaxMindCountry:
    """A memory-mapped reader: shared pages between workers, no per-request I/O.

    The C extension (`MODE_MMAP_EXT`, libmaxminddb) when the wheel has it: the same
    answers as the pure-Python reader in a tenth of the time.

    Answers are kept per /24 (IPv6: /48) when the database's network holding the address
    spans the whole block (its prefix is no longer): every address of the block then
    has the same record; per /16 (IPv6: /32) when the network spans that too, as most
    networks of a country database do (one entry then serves 256 blocks, and clients
    from blocks never met before find their answer). Decoding a record is most of a
    look-up's cost and grows with the database: 1 µs for a bare country code, 8 µs for
    a GeoLite2-Country record with its names in eight languages (more for City records);
    a kept answer costs 0.3 µs. A dnf refresh asks for several repositories from one
    address, and clients behind one NAT or in one network share a block."""

    def __init__(self, path: Path, *, cache_entries: int = CACHE_ENTRIES) -> None:
        import maxminddb

        try:
            self._reader: Any = maxminddb.open_database(str(path), maxminddb.MODE_MMAP_EXT)
        except (ImportError, ValueError, AttributeError):
            self._reader = maxminddb.open_database(str(path), maxminddb.MODE_MMAP)
        self._cache: dict[int, Located] = {}
        self._cache_entries = cache_entries
        self._answers: dict[Located, Located] = {}
        self.lookups = 0  # answers decoded from the database (the rest came from the cache)

    def country(self, address: Address) -> str:
        return self.locate(address)[0]

    def locate(self, address: Address) -> Located:
        span, wide_span, offset, wide_offset = _LEVELS[address.version]
        number = int(address)
        bits = address.max_prefixlen
        cache = self._cache
        key = number >> (bits - span) | offset
        found = cache.get(key)
        if found is not None:
            return found
        wide = number >> (bits - wide_span) | wide_offset
        found = cache.get(wide)
        if found is not None:
            return found
        try:
            record, length = self._reader.get_with_prefix_len(address)
        except ValueError:
            return "", None
        self.lookups += 1
        answer: Located = (
            (_country(record), _position(record)) if isinstance(record, dict) else ("", None)
        )
        if length <= span:  # the record's network holds the whole block
            # one tuple per distinct answer (a country database has ~250): 12 -> 5 MB
            shared = self._answers.get(answer)
            if shared is None:
                shared = keep(self._answers, answer, answer, self._cache_entries)
            keep(cache, wide if length <= wide_span else key, shared, self._cache_entries)
        return answer

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
