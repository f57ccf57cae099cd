"""`mirrormanager map --output` writes the picture atomically."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mirrormanager.cli.map import map_command
from mirrormanager.errors import InputError


@pytest.fixture
def env(file_db: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "mm.toml").write_text("", encoding="utf-8")
    return {
        "MM_DATABASE_URL": file_db,
        "MM_DATA_DIR": str(tmp_path),
        "MM_LOG_DIR": str(tmp_path / "log"),
        "MM_CONFIG": str(tmp_path / "mm.toml"),
    }


def test_svg(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "maps" / "map.svg"
    result = CliRunner().invoke(map_command, ["--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "map.svg: 0 mirrors" in result.output
    assert out.read_text().startswith("<svg")
    assert [p.name for p in out.parent.iterdir()] == ["map.svg"]  # no temp file left


def test_png(env: dict[str, str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    result = CliRunner().invoke(map_command, ["-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_other_formats_are_refused(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        map_command, ["-o", str(tmp_path / "map.gif")], env=env, standalone_mode=False
    )
    assert isinstance(result.exception, InputError)
