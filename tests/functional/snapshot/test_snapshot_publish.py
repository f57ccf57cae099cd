"""`mirrormanager snapshot publish` with the real rsync binary, and `snapshot fetch` against a
real HTTP server in a thread."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mirrormanager.cli.snapshot import snapshot
from mirrormanager.core.snapshot_model import Snapshot
from mirrormanager.errors import FormatError
from mirrormanager.formats import snapshot_codec
from mirrormanager.snapshot.publish import (
    RsyncPusher,
    TransferError,
    etag_path,
    fetch_snapshot,
    push_snapshot,
)
from mirrormanager.snapshot.store import OLD_DIR

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="needs the rsync binary")


def snapshot_bytes(serial: int) -> bytes:
    return snapshot_codec.encode(Snapshot(serial, 1_800_000_000 + serial, {}, {}, {}, {}))


def corrupt(data: bytes) -> bytes:
    """The same file with one body byte flipped: the header still parses."""
    damaged = bytearray(data)
    damaged[-1] ^= 0xFF
    return bytes(damaged)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "mm.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\nlog_dir = "{tmp_path / "log"}"\n'
        'log_format = "json"\nlog_level = "WARNING"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def snap_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "mirrorlist.snapshot"
    path.parent.mkdir(parents=True)
    path.write_bytes(snapshot_bytes(7))
    return path


def test_publish_pushes_to_every_target_and_reports_the_failed_one(
    config: Path, snap_file: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "proxy01", tmp_path / "proxy02"
    first.mkdir()
    (first / "mirrorlist.snapshot").write_bytes(snapshot_bytes(6))  # the generation replaced
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = f"{blocker}/sub/"
    args = ["publish", "-c", str(config), "--timeout", "5"]
    for target in (f"{first}/", f"{second}/", bad):
        args += ["--target", target]
    result = CliRunner().invoke(snapshot, args)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"snapshot {snap_file} (native): serial 7, ")
    assert lines[1].startswith(f"{first}/: ok (") and lines[2].startswith(f"{second}/: ok (")
    assert f"{bad}: failed: rsync exited " in result.stderr and "Not a directory" in result.stderr
    assert "1 of 3 targets failed" in result.stderr
    for folder in (first, second):
        assert (folder / "mirrorlist.snapshot").read_bytes() == snap_file.read_bytes()
        # --delay-updates leaves nothing behind once the rename is done.
        assert sorted(p.name for p in folder.iterdir()) == ["mirrorlist.snapshot"]
    # Only good targets: exit 0.
    again = CliRunner().invoke(
        snapshot, ["publish", "-c", str(config), "--file", str(snap_file), "-t", str(second)]
    )
    assert again.exit_code == 0, again.output


def test_publish_over_ssh_reports_the_transport_failure(snap_file: Path, tmp_path: Path) -> None:
    # `false` stands in for ssh so no network is touched: host:path must go through it.
    pusher = RsyncPusher(timeout=5, ssh="false")
    assert pusher.command(snap_file, "proxy01:/var/lib/mirrormanager/")[1:7] == [
        "-a",
        "--delay-updates",
        "--ignore-times",
        "--timeout=5",
        "--rsh",
        "false -o BatchMode=yes -o ConnectTimeout=5",
    ]
    local = tmp_path / "local"
    report = push_snapshot(
        snap_file, ["proxy01.invalid:/var/lib/mirrormanager/", f"{local}/"], pusher=pusher
    )
    assert [r.ok for r in report.results] == [False, True]
    assert "rsync exited" in report.failed[0].error
    assert (local / snap_file.name).read_bytes() == snap_file.read_bytes()


def test_publish_refuses_a_corrupt_snapshot(config: Path, snap_file: Path, tmp_path: Path) -> None:
    snap_file.write_bytes(corrupt(snap_file.read_bytes()))
    target = tmp_path / "proxy01"
    target.mkdir()
    result = CliRunner().invoke(snapshot, ["publish", "-c", str(config), "-t", str(target)])
    assert isinstance(result.exception, FormatError)
    assert result.exception.exit_code == 5
    assert "refusing to publish" in str(result.exception) and "sha256 mismatch" in str(
        result.exception
    )
    assert list(target.iterdir()) == []
    truncated = tmp_path / "short.snapshot"
    truncated.write_bytes(snapshot_bytes(3)[:40])
    with pytest.raises(FormatError, match="truncated"):
        push_snapshot(truncated, [str(target)])
    missing = CliRunner().invoke(snapshot, ["publish", "-c", str(config)])
    assert missing.exit_code == 2 and "no target" in missing.output


# --- fetch -------------------------------------------------------------------------------


class SnapshotServer(ThreadingHTTPServer):
    payload: bytes = b""
    requests: list[str | None]


class _Handler(BaseHTTPRequestHandler):
    server: SnapshotServer

    def do_GET(self) -> None:
        if self.path != "/mirrorlist.snapshot":
            self.send_error(404)
            return
        payload = self.server.payload
        etag = '"' + hashlib.sha256(payload).hexdigest()[:16] + '"'
        self.server.requests.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[SnapshotServer]:
    srv = SnapshotServer(("127.0.0.1", 0), _Handler)
    srv.requests = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def url_of(srv: SnapshotServer, path: str = "/mirrorlist.snapshot") -> str:
    host, port = srv.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def test_fetch_downloads_then_answers_not_modified(server: SnapshotServer, tmp_path: Path) -> None:
    out = tmp_path / "srv" / "mirrorlist.snapshot"
    server.payload = snapshot_bytes(10)
    url = url_of(server)
    with httpx.Client(timeout=5) as client:
        first = fetch_snapshot(client, url, out)
        assert first.status == "updated" and first.serial == 10
        assert out.read_bytes() == server.payload
        etag = etag_path(out).read_text().strip()
        assert etag.startswith('"')
        second = fetch_snapshot(client, url, out)
        assert second.status == "not-modified"
        assert server.requests == [None, etag]
        # A new build on the server: downloaded, the previous generation kept in old/.
        server.payload = snapshot_bytes(11)
        third = fetch_snapshot(client, url, out)
        assert third.status == "updated" and third.serial == 11
        assert snapshot_codec.read_header(out).serial == 11
        assert snapshot_codec.read_header(out.parent / OLD_DIR / out.name).serial == 10
        assert etag_path(out).read_text().strip() != etag


def test_fetch_refuses_a_corrupt_download_and_keeps_the_old_file(
    server: SnapshotServer, tmp_path: Path
) -> None:
    out = tmp_path / "mirrorlist.snapshot"
    server.payload = snapshot_bytes(20)
    with httpx.Client(timeout=5) as client:
        fetch_snapshot(client, url_of(server), out)
        good, good_etag = out.read_bytes(), etag_path(out).read_text()
        server.payload = corrupt(snapshot_bytes(21))
        with pytest.raises(FormatError, match=r"refusing the snapshot from .*sha256 mismatch"):
            fetch_snapshot(client, url_of(server), out)
        server.payload = b"<html>maintenance</html>"
        with pytest.raises(FormatError, match="refusing the snapshot"):
            fetch_snapshot(client, url_of(server), out)
        assert out.read_bytes() == good and etag_path(out).read_text() == good_etag
        assert not (tmp_path / OLD_DIR).exists()
        server.payload = snapshot_bytes(22)
        with pytest.raises(TransferError, match="more than the limit of 100"):
            fetch_snapshot(client, url_of(server), out, max_bytes=100)
        with pytest.raises(TransferError, match="HTTP 404"):
            fetch_snapshot(client, url_of(server, "/nothing"), out)
        assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".snapshot.lock",
        "mirrorlist.snapshot",
        "mirrorlist.snapshot.etag",
    ]


def test_fetch_command(config: Path, server: SnapshotServer, tmp_path: Path) -> None:
    server.payload = snapshot_bytes(30)
    result = CliRunner().invoke(snapshot, ["fetch", "-c", str(config), url_of(server)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "data" / "mirrorlist.snapshot"
    assert result.stdout.strip().startswith(f"{target}: serial 30, ")
    again = CliRunner().invoke(snapshot, ["fetch", "-c", str(config), url_of(server)])
    assert again.exit_code == 0 and "not modified" in again.output
    bad = CliRunner().invoke(snapshot, ["fetch", "-c", str(config), "ftp://example.org/x"])
    assert bad.exit_code == 2
