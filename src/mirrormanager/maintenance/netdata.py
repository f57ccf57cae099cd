"""Global netblock data: netblock -> ASN (BGP tables) and netblock -> country overrides.

The ASN table is a `prefix asn` list (one per line, `#` comments; `AS64500` accepted) or
the one-line-per-route output of `bgpdump -m` on an MRT RIB dump (the origin ASN is the
last of the AS path). No Python MRT parser on PyPI is both maintained and fast enough for
a full table, so MRT goes through bgpdump (Debian package `bgpdump`). The country table is
`prefix CC` lines (NetblockCountry, the GeoIP overrides).

An import replaces the whole table in one transaction with bulk Core inserts; invalid
lines are counted with their line numbers and abort nothing else, but an input without a
single valid line replaces nothing (unless `allow_empty`): a truncated download must not
empty the table.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import Connection, Engine, Table, delete, insert

from mirrormanager.db.models.geo import NetblockAsn, NetblockCountry
from mirrormanager.errors import FormatError

BATCH = 10_000
SHOW_BAD = 20
MAX_ASN = 2**32 - 1
ASN_TABLE = cast(Table, NetblockAsn.__table__)
COUNTRY_TABLE = cast(Table, NetblockCountry.__table__)


@dataclass
class Parsed:
    """A parsed table: the rows to write, the bad line numbers, the duplicates skipped."""

    rows: dict[str, Any] = field(default_factory=dict)  # netblock -> value, first wins
    bad: list[int] = field(default_factory=list)  # line numbers
    duplicates: int = 0


def _network(text: str) -> str:
    return str(ipaddress.ip_network(text.strip(), strict=False))


def _asn(text: str) -> int:
    text = text.strip().upper().removeprefix("AS")
    value = int(text)
    if not 0 < value <= MAX_ASN:
        raise ValueError(text)
    return value


def _asn_line(line: str) -> tuple[str, int] | None:
    if "|" in line:  # bgpdump -m: TABLE_DUMP2|time|B|peer|peer_as|prefix|as_path|…
        fields = line.split("|")
        if len(fields) < 7 or fields[0] not in ("TABLE_DUMP", "TABLE_DUMP2"):
            raise ValueError(line)
        path = fields[6].split()
        if not path or path[-1].startswith("{"):
            return None  # an AS set as origin names no single ASN: skipped, not invalid
        return _network(fields[5]), _asn(path[-1])
    prefix, asn = line.split()
    return _network(prefix), _asn(asn)


def _country_line(line: str) -> tuple[str, str]:
    prefix, country = line.split()
    if len(country) != 2 or not country.isalpha():
        raise ValueError(country)
    return _network(prefix), country.upper()


def parse_lines(lines: Iterable[str], parse: Callable[[str], tuple[str, Any] | None]) -> Parsed:
    """Parse a table; bad lines are recorded, duplicate prefixes keep the first value."""
    parsed = Parsed()
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            row = parse(line)
        except ValueError:
            parsed.bad.append(number)
            continue
        if row is None:
            continue
        if row[0] in parsed.rows:
            parsed.duplicates += 1
            continue
        parsed.rows[row[0]] = row[1]
    return parsed


def parse_asn_table(lines: Iterable[str]) -> Parsed:
    return parse_lines(lines, _asn_line)


def parse_country_table(lines: Iterable[str]) -> Parsed:
    return parse_lines(lines, _country_line)


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def replace_table(connection: Connection, table: Table, column: str, rows: dict[str, Any]) -> int:
    """Delete every row and insert `rows` (netblock -> value) inside the caller's transaction."""
    connection.execute(delete(table))
    for batch in _batches({"netblock": k, column: v} for k, v in rows.items()):
        connection.execute(insert(table), batch)
    return len(rows)


Kind = Literal["asn", "country"]


@dataclass(frozen=True, slots=True)
class _TableSpec:
    table: Table
    column: str
    parse: Callable[[Iterable[str]], Parsed]


_TABLES: dict[str, _TableSpec] = {
    "asn": _TableSpec(ASN_TABLE, "asn", parse_asn_table),
    "country": _TableSpec(COUNTRY_TABLE, "country", parse_country_table),
}


def import_table(
    engine: Engine, kind: Kind, lines: Iterable[str], *, source: str, allow_empty: bool = False
) -> Parsed:
    """Parse ``lines`` and replace the ``kind`` table with them in one transaction.

    FormatError (naming ``source``) when no line is valid and ``allow_empty`` is not set;
    then nothing is replaced.
    """
    spec = _TABLES[kind]
    parsed = spec.parse(lines)
    if not parsed.rows and not allow_empty:
        raise FormatError(
            f"{source}: no valid line for the netblock_{kind} table; nothing replaced",
            hint="check the input, or pass --allow-empty to clear the table",
            path=source,
        )
    with engine.begin() as connection:
        replace_table(connection, spec.table, spec.column, parsed.rows)
    return parsed
