"""`mirrormanager stats ingest|expire` as an operator runs them (the click group directly,
until cli/main.py registers it)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from mirrormanager.cli.stats import stats

FIXTURE = Path(__file__).parent / "access.log"


@pytest.fixture
def env(file_db: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "mm.toml").write_text("", encoding="utf-8")
    return {
        "MM_DATABASE_URL": file_db,
        "MM_DATA_DIR": str(tmp_path),
        "MM_LOG_DIR": str(tmp_path / "log"),
        "MM_LOG_FORMAT": "json",
        "MM_CONFIG": str(tmp_path / "mm.toml"),
    }


def test_ingest_reports_counts_and_malformed_lines(env: dict[str, str], tmp_path: Path) -> None:
    packed = tmp_path / "mirrorlist-access.log.2.gz"
    packed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    result = CliRunner().invoke(stats, ["ingest", str(FIXTURE)], env=env)
    assert result.exit_code == 0, result.output
    assert "12 lines, 8 requests, 6 daily rows, 4 malformed" in result.output
    assert "malformed line 6: 'this line is not an access log line'" in result.output
    again = CliRunner().invoke(stats, ["ingest", str(packed)], env=env)
    assert again.exit_code == 0, again.output
    assert "already ingested, skipped" in again.output


def test_live_log_is_not_ingested(env: dict[str, str], tmp_path: Path) -> None:
    live = tmp_path / "log" / "mirrorlist-access.log"
    live.parent.mkdir()
    live.write_bytes(FIXTURE.read_bytes())
    result = CliRunner().invoke(stats, ["ingest", str(live)], env=env)
    assert result.exit_code == 0, result.output
    assert "the live access log, skipped" in result.output
    assert "ingested 0 files" in result.output


def test_missing_file_exits_non_zero(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        stats, ["ingest", str(tmp_path / "nope.log")], env=env, standalone_mode=False
    )
    assert result.return_value == 1  # run_cli turns it into the exit code
    assert "FAILED" in result.output


def test_expire(env: dict[str, str]) -> None:
    result = CliRunner().invoke(stats, ["expire", "--days", "30"], env=env)
    assert result.exit_code == 0, result.output
    assert "deleted 0 daily statistics rows and 0 propagation rows older than 30 days" in (
        result.output
    )
