"""`mirrormanager demo` checks every port before it builds anything."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mirrormanager.cli.demo import demo_command
from mirrormanager.errors import ConfigError


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--bind", "127.0.0.1:{port}", "the demo's mirrorlist server"),
        ("--web-bind", "127.0.0.1:{port}", "the demo's web UI"),
        ("--mirror-port", "{port}", "the demo mirrors"),
    ],
)
def test_a_busy_port_stops_the_demo_before_it_builds(
    tmp_path: Path, busy_port: int, option: str, value: str, named: str
) -> None:
    directory = tmp_path / "demo"
    free = _free_port()  # the other two options get a port nobody uses (the machine is shared)
    options = {
        "--bind": f"127.0.0.1:{free}",
        "--web-bind": f"127.0.0.1:{free}",
        "--mirror-port": str(free),
        option: value.format(port=busy_port),
    }
    args = [part for pair in options.items() for part in pair]
    result = CliRunner().invoke(demo_command, ["--dir", str(directory), *args])
    assert isinstance(result.exception, ConfigError)
    assert f"{named} cannot listen on 127.0.0.1:{busy_port}" in str(result.exception)
    assert option in str(result.exception)  # the hint names the option to change
    assert not directory.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_bad_bind_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(demo_command, ["--dir", str(tmp_path), "--bind", "8080"])
    assert result.exit_code == 2 and "'8080' has no port" in result.output
