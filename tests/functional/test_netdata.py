"""Importing netblock->ASN and netblock->country tables (both database backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mirrormanager.cli.netdata import import_asn, import_country
from mirrormanager.errors import FormatError
from mirrormanager.maintenance.netdata import (
    ASN_TABLE,
    COUNTRY_TABLE,
    parse_asn_table,
    parse_country_table,
    replace_table,
)

ASN_TEXT = """\
# prefix asn
192.0.2.0/24 64500
198.51.100.7/24 AS64501
2001:db8::/32 64502
192.0.2.0/24 64999
not-a-prefix 1
10.0.0.0/8 notanasn
10.0.0.0/8 0
TABLE_DUMP2|1700000000|B|192.0.2.1|64496|203.0.113.0/24|64496 3356 64503|IGP
TABLE_DUMP2|1700000000|B|192.0.2.1|64496|203.0.114.0/24|64496 {64510,64511}|IGP
"""


def test_parse_asn_table() -> None:
    parsed = parse_asn_table(ASN_TEXT.splitlines())
    assert parsed.rows == {
        "192.0.2.0/24": 64500,
        "198.51.100.0/24": 64501,
        "2001:db8::/32": 64502,
        "203.0.113.0/24": 64503,
    }
    assert parsed.bad == [6, 7, 8] and parsed.duplicates == 1


def test_parse_country_table() -> None:
    parsed = parse_country_table(["10.0.0.0/8 de", "10.1.0.0/16 DEU", "x y", "", "# c"])
    assert parsed.rows == {"10.0.0.0/8": "DE"} and parsed.bad == [2, 3]


def test_replace_table_both_backends(db_session: Session) -> None:
    connection = db_session.connection()
    replace_table(connection, ASN_TABLE, "asn", {"10.0.0.0/8": 1, "2001:db8::/32": 4_200_000_000})
    replace_table(connection, ASN_TABLE, "asn", {"10.0.0.0/8": 2, "11.0.0.0/8": 3})
    rows = connection.execute(select(ASN_TABLE.c.netblock, ASN_TABLE.c.asn)).all()
    assert sorted(rows) == [("10.0.0.0/8", 2), ("11.0.0.0/8", 3)]
    replace_table(connection, COUNTRY_TABLE, "country", {"10.0.0.0/8": "AT"})
    assert connection.execute(select(func.count()).select_from(COUNTRY_TABLE)).scalar() == 1


def test_cli_imports_and_reports_bad_lines(file_db: str, tmp_path: Path) -> None:
    table = tmp_path / "asn.txt"
    table.write_text(ASN_TEXT, encoding="utf-8")
    runner = CliRunner()
    env = {"MM_DATABASE_URL": file_db, "MM_DATA_DIR": str(tmp_path)}
    result = runner.invoke(import_asn, [str(table)], env=env, standalone_mode=False)
    assert result.exception is None, result.output
    assert result.return_value == 1  # invalid lines make a non-zero exit
    assert "netblock_asn: 4 netblocks imported, 1 duplicates skipped" in result.output
    assert "netblock_asn: 3 invalid lines: 6, 7, 8" in result.output
    result = runner.invoke(import_country, ["-"], input="10.0.0.0/8 AT\n", env=env)
    assert result.exit_code == 0 and "1 netblocks imported" in result.output
    result = runner.invoke(import_country, ["-"], input="garbage\n", env=env)
    assert isinstance(result.exception, FormatError)
    assert result.exception.path == "stdin" and "nothing replaced" in str(result.exception)
    engine = create_engine(file_db)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ASN_TABLE)).scalar() == 4
        assert connection.execute(select(COUNTRY_TABLE.c.country)).scalars().all() == ["AT"]
    engine.dispose()


@pytest.mark.parametrize("command", [import_asn, import_country])
def test_help(command) -> None:
    assert CliRunner().invoke(command, ["--help"]).exit_code == 0
