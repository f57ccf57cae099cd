"""`serve-mirrorlist` hands the settings to the Granian supervisor."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mirrormanager.cli.serve_mirrorlist import serve_mirrorlist
from mirrormanager.core.hostport import HostPort
from mirrormanager.errors import ConfigError
from mirrormanager.mirrorlist import server
from mirrormanager.mirrorlist.app import ServerConfig


def test_options_override_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[ServerConfig, HostPort, int]] = []

    def fake_serve(config: ServerConfig, *, bind: HostPort, workers: int) -> None:
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
    assert (bind, workers) == (HostPort("0.0.0.0", 9000), 3)
    assert config.snapshot_path == tmp_path / "mirrorlist.snapshot"
    assert config.geoip_path == str(tmp_path / "g.mmdb")
    assert config.access_log == tmp_path / "log" / "mirrorlist-access.log"
    assert config.minimum == 7 and config.trusted_proxies == ("10.0.0.0/8",)
    assert ServerConfig.from_json(config.to_json()) == config


def test_bad_bind_fails_early(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        serve_mirrorlist, ["--bind", "nowhere"], env={"MM_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2 and "'nowhere' has no port" in result.output


def test_bad_bind_setting_fails_early(tmp_path: Path) -> None:
    env = {"MM_DATA_DIR": str(tmp_path), "MM_MIRRORLIST_BIND": "[::1]8080"}
    result = CliRunner().invoke(serve_mirrorlist, [], env=env)
    assert isinstance(result.exception, ConfigError)
    assert "mirrorlist_bind" in str(result.exception)


def test_bind_setting_is_used_without_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binds: list[HostPort] = []
    monkeypatch.setattr(server, "serve", lambda config, *, bind, workers: binds.append(bind))
    port = _free_port()
    env = {"MM_DATA_DIR": str(tmp_path), "MM_MIRRORLIST_BIND": f"127.0.0.1:{port}"}
    result = CliRunner().invoke(serve_mirrorlist, [], env=env)
    assert result.exit_code == 0, result.output
    assert binds == [HostPort("127.0.0.1", port)]
    assert f"listening on http://127.0.0.1:{port}" in result.output


def test_a_port_already_served_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first server listening with SO_REUSEPORT (as Granian does) must not be joined."""
    started: list[HostPort] = []
    monkeypatch.setattr(server, "serve", lambda config, *, bind, workers: started.append(bind))
    with socket.socket() as first:
        first.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        first.bind(("127.0.0.1", 0))
        first.listen()
        port = first.getsockname()[1]
        result = CliRunner().invoke(
            serve_mirrorlist, ["--bind", f"127.0.0.1:{port}"], env={"MM_DATA_DIR": str(tmp_path)}
        )
    assert started == []
    assert isinstance(result.exception, ConfigError)
    assert result.exception.exit_code == 2
    assert result.exception.host == f"127.0.0.1:{port}"
    assert f"cannot listen on 127.0.0.1:{port}: another process already listens" in str(
        result.exception
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_worker_factory_builds_an_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = ServerConfig(tmp_path / "s", geoip_path="")
    monkeypatch.setenv(server.CONFIG_ENV, config.to_json())
    app: Any = server.worker_app()
    assert app.config == config
