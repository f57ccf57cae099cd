"""Real servers on loopback for crawler tests: an rsync daemon, HTTP(S) servers serving a
directory, and hostile servers (silent, dripping, endless, redirecting, garbage)."""

from __future__ import annotations

import contextlib
import functools
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


@contextlib.contextmanager
def rsync_daemon(modules: dict[str, Path], workdir: Path) -> Iterator[int]:
    """A real `rsync --daemon` on loopback serving each module name -> directory."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = ["use chroot = no", "read only = yes", f"pid file = {workdir}/rsyncd.pid"]
    for name, path in modules.items():
        lines += [f"[{name}]", f"path = {path}", "list = yes"]
    config = workdir / "rsyncd.conf"
    config.write_text("\n".join(lines) + "\n")
    binary = shutil.which("rsync")
    assert binary is not None
    process = subprocess.Popen(
        [
            binary,
            "--daemon",
            "--no-detach",
            f"--config={config}",
            f"--port={port}",
            "--address=127.0.0.1",
            f"--log-file={workdir}/rsyncd.log",
        ],
    )
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(5)


class _QuietHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real mirrors do
    seen: list[str] | None = None

    def __init__(self, *args: Any, seen: list[str] | None = None, **kwargs: Any) -> None:
        self.seen = seen
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        if self.seen is not None:
            self.seen.append(path.split("?", 1)[0])
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def http_server(
    root: Path, tls: ssl.SSLContext | None = None, *, seen: list[str] | None = None
) -> Iterator[int]:
    """A threaded HTTP (or HTTPS with ``tls``) server for the files under ``root``; the
    paths asked for are appended to ``seen`` when given."""
    handler = functools.partial(_QuietHandler, directory=str(root), seen=seen)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


Behaviour = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def raw_server(behaviour: Behaviour) -> Iterator[int]:
    """A TCP server whose every connection gets ``behaviour(sock, stop_event)``."""
    stop = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with contextlib.suppress(OSError):
                behaviour(self.request, stop)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def silent(sock: socket.socket, stop: threading.Event) -> None:
    """Accept and never answer."""
    stop.wait(30)


def dripping(sock: socket.socket, stop: threading.Event) -> None:
    """Answer one byte per second, forever."""
    sock.recv(65536)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000:
        sock.sendall(bytes([byte]))
        if stop.wait(1.0):
            return


def endless(sock: socket.socket, stop: threading.Event) -> None:
    """200 OK with an endless body (HEAD gets headers only)."""
    while not stop.is_set():
        request = sock.recv(65536)
        if not request:
            return
        if request.startswith(b"HEAD"):
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            continue
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while not stop.is_set():
            sock.sendall(b"4000\r\n" + b"z" * 0x4000 + b"\r\n")


def redirecting(target: str) -> Behaviour:
    def behaviour(sock: socket.socket, stop: threading.Event) -> None:
        while sock.recv(65536):
            sock.sendall(
                f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode()
            )

    return behaviour


def garbage(sock: socket.socket, stop: threading.Event) -> None:
    """Bytes that are neither HTTP nor the rsync protocol."""
    sock.sendall(b"\x00\xffSSH-2.0-garbage\r\n" * 100)
    stop.wait(2)


@contextlib.contextmanager
def mirrorlist_server(snapshot: Path, workdir: Path, **env: str) -> Iterator[str]:
    """The real `mirrormanager serve-mirrorlist` (one worker) serving ``snapshot``; yields
    its base URL once /-/health says ready. It runs the code under test (PYTHONPATH set to
    this package's source), in a session of its own so its workers stop with it. `env` adds
    MM_* settings."""
    import os
    import signal
    import sys

    import httpx

    import mirrormanager

    port = free_port()
    log = workdir / "serve-mirrorlist.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mirrormanager",
                "serve-mirrorlist",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--snapshot",
                str(snapshot),
            ],
            env={
                "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
                "PYTHONPATH": str(Path(mirrormanager.__file__).parents[1]),
                "MM_MIRRORLIST_ACCESS_LOG": "-",
                "MM_GEOIP_DATABASE": "",
                "MM_DATA_DIR": str(workdir),
                "MM_LOG_DIR": str(workdir / "log"),
                **env,
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/-/health", timeout=1).status_code == 200:
                    break
            if server.poll() is not None:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"mirrorlist server did not start: {log.read_text()[-2000:]}")
        if server.poll() is not None:
            raise RuntimeError(f"mirrorlist server exited: {log.read_text()[-2000:]}")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def dnf_makecache(metalink: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """A real `dnf makecache` of one repository whose metalink is `metalink`."""
    workdir.mkdir(parents=True)
    repos = workdir / "repos"
    repos.mkdir()
    (repos / "demo.repo").write_text(
        f"[demo]\nname=demo\nmetalink={metalink}\ngpgcheck=0\nenabled=1\n", encoding="utf-8"
    )
    return subprocess.run(
        [
            "dnf",
            "-y",
            "makecache",
            "--repo",
            "demo",
            f"--installroot={workdir / 'root'}",
            f"--setopt=reposdir={repos}",
            f"--setopt=cachedir={workdir / 'cache'}",
            "--releasever=41",
            "--setopt=skip_if_unavailable=False",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
