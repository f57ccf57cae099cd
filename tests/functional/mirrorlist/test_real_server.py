"""The real stack: Granian workers, a native snapshot file, reload on change and SIGHUP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.data import snapshots as data

codec = pytest.importorskip("mirrormanager.formats.snapshot_codec")
pytest.importorskip("granian")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_serves_reloads_and_forwards_sighup(tmp_path: Path) -> None:
    snapshot = tmp_path / "mirrorlist.snapshot"
    snapshot.write_bytes(codec.encode(data.build(serial=1)))
    port = free_port()
    code = (
        "from pathlib import Path\n"
        "from mirrormanager.mirrorlist.app import ServerConfig\n"
        "from mirrormanager.core.hostport import HostPort\n"
        "from mirrormanager.mirrorlist.server import serve\n"
        f"serve(ServerConfig(Path({str(snapshot)!r}), '', reload_seconds=0.2,"
        f" access_log=Path({str(tmp_path / 'access.log')!r})),"
        f" bind=HostPort('127.0.0.1', {port}), workers=2)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MM_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: fetch(base + "/-/health")[0] == 200)
        status, body = fetch(base + "/mirrorlist?repo=fedora-41&arch=x86_64&ip=8.8.8.8")
        assert status == 200 and body.startswith(b"# repo = fedora-41 arch = x86_64")

        def serial() -> int:
            return int(json.loads(fetch(base + "/-/snapshot")[1])["serial"])

        new = tmp_path / "new"
        new.write_bytes(codec.encode(data.build(serial=2)))
        new.replace(snapshot)
        wait_for(lambda: all(serial() == 2 for _ in range(6)))
        (tmp_path / "bad").write_bytes(b"garbage")
        (tmp_path / "bad").replace(snapshot)
        time.sleep(0.6)
        assert all(serial() == 2 for _ in range(6))  # refused; old data keeps serving

        wait_for(lambda: (tmp_path / "access.log").exists())  # flushed once a second
        shutil.move(tmp_path / "access.log", tmp_path / "access.log.1")
        proc.send_signal(signal.SIGHUP)  # forwarded: workers reopen the log, no respawn
        time.sleep(0.5)
        assert fetch(base + "/mirrorlist?repo=fedora-41&arch=x86_64&ip=8.8.8.8")[0] == 200
        wait_for(lambda: (tmp_path / "access.log").exists())
        assert proc.poll() is None
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode()
    assert "snapshot refused" in output
    assert "Respawning" not in output
