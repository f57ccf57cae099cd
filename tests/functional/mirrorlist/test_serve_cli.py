"""`serve-mirrorlist` hands the settings to the Granian supervisor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mirrormanager.cli.serve_mirrorlist import serve_mirrorlist
from mirrormanager.errors import ConfigError
from mirrormanager.mirrorlist import server
from mirrormanager.mirrorlist.app import ServerConfig


def test_options_override_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[ServerConfig, str, int]] = []

    def fake_serve(config: ServerConfig, *, bind: str, workers: int) -> None:
        calls.append((config, bind, workers))

    monkeypatch.setattr(server, "serve", fake_serve)
    env = {
        "MM_DATA_DIR": str(tmp_path),
        "MM_LOG_DIR": str(tmp_path / "log"),
        "MM_TRUSTED_PROXIES": "10.0.0.0/8",
        "MM_MIRRORLIST_MINIMUM": "7",
    }
    args = ["--bind", "0.0.0.0:9000", "--workers", "3", "--geoip", str(tmp_path / "g.mmdb")]
    result = CliRunner().invoke(serve_mirrorlist, args, env=env)
    assert result.exit_code == 0, result.output
    config, bind, workers = calls[0]
    assert (bind, workers) == ("0.0.0.0:9000", 3)
    assert config.snapshot_path == tmp_path / "mirrorlist.snapshot"
    assert config.geoip_path == str(tmp_path / "g.mmdb")
    assert config.access_log == tmp_path / "log" / "mirrorlist-access.log"
    assert config.minimum == 7 and config.trusted_proxies == ("10.0.0.0/8",)
    assert ServerConfig.from_json(config.to_json()) == config


def test_bad_bind_fails_early(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        serve_mirrorlist, ["--bind", "nowhere"], env={"MM_DATA_DIR": str(tmp_path)}
    )
    assert isinstance(result.exception, ConfigError)


def test_parse_bind() -> None:
    assert server.parse_bind("[::1]:8080") == ("::1", 8080)
    assert server.parse_bind(":8080") == ("127.0.0.1", 8080)


def test_worker_factory_builds_an_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = ServerConfig(tmp_path / "s", geoip_path="")
    monkeypatch.setenv(server.CONFIG_ENV, config.to_json())
    app: Any = server.worker_app()
    assert app.config == config
