"""`mirrormanager netblocks import-asn|import-country`: global netblock data into the DB.

import-asn reads a `prefix asn` table (one per line, `#` comments; `AS64500` accepted) or
the one-line-per-route output of `bgpdump -m` on an MRT RIB dump (the origin ASN is the
last of the AS path). No Python MRT parser on PyPI is both maintained and fast enough for
a full table, so MRT goes through bgpdump (Debian package `bgpdump`):

    bgpdump -m rib.20261127.0000.bz2 | mirrormanager netblocks import-asn -

import-country reads a `prefix CC` table into NetblockCountry (GeoIP overrides). Both
replace the whole table in one transaction with bulk Core inserts; invalid lines are
counted and reported with their line numbers and abort nothing else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import click
from sqlalchemy import Connection, Table, delete, insert

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.db.models.geo import NetblockAsn, NetblockCountry

BATCH = 10_000
SHOW_BAD = 20
MAX_ASN = 2**32 - 1
ASN_TABLE = cast(Table, NetblockAsn.__table__)
COUNTRY_TABLE = cast(Table, NetblockCountry.__table__)


@dataclass
class Parsed:
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


def _report(what: str, parsed: Parsed, written: int) -> None:
    click.echo(f"{what}: {written} netblocks imported, {parsed.duplicates} duplicates skipped")
    if parsed.bad:
        shown = ", ".join(str(n) for n in parsed.bad[:SHOW_BAD])
        more = f" (and {len(parsed.bad) - SHOW_BAD} more)" if len(parsed.bad) > SHOW_BAD else ""
        click.echo(f"{what}: {len(parsed.bad)} invalid lines: {shown}{more}", err=True)


def _run(
    source: IO[str],
    what: str,
    parse: Callable[[Iterable[str]], Parsed],
    table: Table,
    column: str,
    allow_empty: bool,
) -> int:
    parsed = parse(source)
    if not parsed.rows and not allow_empty:
        raise click.ClickException(
            f"{what}: no valid line in the input; nothing replaced (use --allow-empty to clear)"
        )
    app = app_context()
    with app.engine.begin() as connection:
        written = replace_table(connection, table, column, parsed.rows)
    _report(what, parsed, written)
    return 1 if parsed.bad else 0


@click.group("netblocks")
def netblocks() -> None:
    """Import global netblock data: netblock -> ASN (BGP) and netblock -> country."""


_allow_empty = click.option(
    "--allow-empty", is_flag=True, help="Accept an input without valid lines (empties the table)."
)


@netblocks.command("import-asn")
@config_option
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"))
@_allow_empty
def import_asn(source: IO[str], allow_empty: bool) -> int:
    """Replace the netblock->ASN table from SOURCE (`prefix asn` or `bgpdump -m`; - = stdin)."""
    return _run(source, "netblock_asn", parse_asn_table, ASN_TABLE, "asn", allow_empty)


@netblocks.command("import-country")
@config_option
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"))
@_allow_empty
def import_country(source: IO[str], allow_empty: bool) -> int:
    """Replace the NetblockCountry overrides from SOURCE (`prefix CC` lines; - = stdin)."""
    return _run(
        source,
        "netblock_country",
        parse_country_table,
        COUNTRY_TABLE,
        "country",
        allow_empty,
    )
