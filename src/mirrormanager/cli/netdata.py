"""`mirrormanager netblocks import-asn|import-country`: global netblock data into the DB.

The parsing and the one-transaction replacement live in `mirrormanager.maintenance.netdata`;
MRT RIB dumps go through `bgpdump -m`:

    bgpdump -m rib.20261127.0000.bz2 | mirrormanager netblocks import-asn -
"""

from __future__ import annotations

from typing import IO

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.maintenance.netdata import Kind, Parsed, import_table

SHOW_BAD = 20


def _report(what: str, parsed: Parsed) -> None:
    click.echo(
        f"{what}: {len(parsed.rows)} netblocks imported, {parsed.duplicates} duplicates skipped"
    )
    if parsed.bad:
        shown = ", ".join(str(n) for n in parsed.bad[:SHOW_BAD])
        more = f" (and {len(parsed.bad) - SHOW_BAD} more)" if len(parsed.bad) > SHOW_BAD else ""
        click.echo(f"{what}: {len(parsed.bad)} invalid lines: {shown}{more}", err=True)


def _run(source: IO[str], kind: Kind, allow_empty: bool) -> int:
    name = getattr(source, "name", "<stdin>")
    name = "stdin" if name in ("<stdin>", "-") else str(name)
    parsed = import_table(app_context().engine, kind, source, source=name, allow_empty=allow_empty)
    _report(f"netblock_{kind}", parsed)
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
    return _run(source, "asn", allow_empty)


@netblocks.command("import-country")
@config_option
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"))
@_allow_empty
def import_country(source: IO[str], allow_empty: bool) -> int:
    """Replace the NetblockCountry overrides from SOURCE (`prefix CC` lines; - = stdin)."""
    return _run(source, "country", allow_empty)
