"""`serve-checkin` takes its address and limits from the settings unless an option is given."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mirrormanager.checkin import app as checkin_app
from mirrormanager.cli.checkin import serve_checkin
from mirrormanager.errors import ConfigError


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Records what serve-checkin would start, instead of starting it."""
    seen: dict[str, Any] = {}
    real_create_app = checkin_app.create_app

    def create_app(factory: Any, **limits: Any) -> Any:
        seen["limits"] = limits
        return real_create_app(factory, **limits)

    def run(asgi: Any, *, host: str, port: int, **_options: Any) -> None:
        seen["address"] = (host, port)

    import uvicorn

    monkeypatch.setattr(checkin_app, "create_app", create_app)
    monkeypatch.setattr(uvicorn, "run", run)
    return seen


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_settings_file_is_used_when_no_option_is_given(
    file_db: str, tmp_path: Path, started: dict[str, Any]
) -> None:
    port = _free_port()
    config = tmp_path / "mm.toml"
    config.write_text(
        f'database_url = "{file_db}"\ndata_dir = "{tmp_path}"\n'
        f'checkin_bind = "127.0.0.1:{port}"\ncheckin_min_interval = 5.0\n'
        "checkin_max_directories = 123\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(serve_checkin, ["--config", str(config)])
    assert result.exit_code == 0, result.output
    assert started["address"] == ("127.0.0.1", port)
    assert started["limits"]["min_interval"] == 5.0
    assert started["limits"]["max_directories"] == 123
    assert f"serve-checkin: listening on http://127.0.0.1:{port}" in result.output


def test_options_beat_the_settings_file(
    file_db: str, tmp_path: Path, started: dict[str, Any]
) -> None:
    port = _free_port()
    env = {"MM_DATABASE_URL": file_db, "MM_CHECKIN_MIN_INTERVAL": "5"}
    args = ["--bind", f"127.0.0.1:{port}", "--min-interval", "0"]
    result = CliRunner().invoke(serve_checkin, args, env=env)
    assert result.exit_code == 0, result.output
    assert started["address"] == ("127.0.0.1", port)
    assert started["limits"]["min_interval"] == 0


def test_a_busy_port_is_refused(file_db: str, started: dict[str, Any]) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = CliRunner().invoke(
            serve_checkin, ["--bind", f"127.0.0.1:{port}"], env={"MM_DATABASE_URL": file_db}
        )
    assert isinstance(result.exception, ConfigError)
    assert "serve-checkin cannot listen on" in str(result.exception)
    assert "address" not in started
