"""The shipped systemd units verify, and their schedule is the SOP's."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parents[2] / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_units_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units, with ExecStart pointing at this venv."""
    binary = str(Path(sys.executable).parent / "mirrormanager")
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace("/usr/local/bin/mirrormanager", binary)
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    instance = tmp_path / "mirrormanager-mirrorlist@1.service"
    shutil.copy(tmp_path / "mirrormanager-mirrorlist@.service", instance)
    names = [p.name for p in tmp_path.iterdir() if not p.name.endswith("@.service")]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    problems = [line for line in result.stderr.splitlines() if str(tmp_path) in line]
    assert result.returncode == 0, result.stderr
    assert problems == []


def test_schedule_matches_the_sop() -> None:
    calendars = {
        unit.stem: read_unit(unit)["Timer"]["OnCalendar"]
        for unit in UNITS
        if unit.suffix == ".timer"
    }
    assert calendars["mirrormanager-crawler1"] == "*-*-* 00,12:00:00"
    assert calendars["mirrormanager-crawler2"] == "*-*-* 02,14:00:00"
    assert calendars["mirrormanager-snapshot"] == "*-*-* *:55:00"
    assert "mirrormanager-umdl" in calendars and "mirrormanager-stats" in calendars
    for timer in calendars:
        assert (DEPLOY / "systemd" / f"{timer}.service").exists()


def test_every_unit_runs_a_real_command() -> None:
    from mirrormanager.cli.main import cli

    for unit in UNITS:
        if unit.suffix != ".service":
            continue
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart=") and "mirrormanager " in line:
                words = line.split("mirrormanager ", 1)[1].split()
                assert words[0] in cli.commands, f"{unit.name}: unknown command {words[0]}"
