"""Zero-downtime mirrorlist deployment, for real (docs/zero-downtime.md).

Two `mirrormanager serve-mirrorlist` servers (Granian, one worker each) serve one snapshot
behind the shipped front config: HAProxy (deploy/haproxy/mirrorlist.cfg) or nginx
(deploy/nginx/mirrorlist.conf), only ports and privileged lines adjusted. Eight clients
hammer the proxy while the test restarts server 1 (SIGTERM, start again, wait for
/-/health and until the proxy uses it again), publishes a new snapshot (both servers reload
it in place), then restarts server 2. Not one request may fail, and the new snapshot must
be served.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

import mirrormanager
from mirrormanager.db.session import make_engine
from mirrormanager.demo.world import DemoWorld
from mirrormanager.settings import load_settings
from mirrormanager.snapshot.service import build_and_publish

SOURCE = str(Path(mirrormanager.__file__).parents[1])

needs_haproxy = pytest.mark.skipif(
    shutil.which("haproxy") is None, reason="needs haproxy (Debian: haproxy)"
)
needs_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None, reason="needs nginx (Debian: nginx)"
)

DEPLOY = Path(__file__).parents[2] / "deploy"
HAPROXY_CFG = DEPLOY / "haproxy" / "mirrorlist.cfg"
NGINX_CONF = DEPLOY / "nginx" / "mirrorlist.conf"
# time=1: the answer names the snapshot it came from ("# mirrorlist created … (epoch)").
MIRRORLIST = "/mirrorlist?repo=fedora-41&arch=x86_64&time=1"
METALINK = "/metalink?repo=updates-released-f41&arch=x86_64"
CLIENTS = 8
CREATED = re.compile(r"^# mirrorlist created \S+ \((\d+)\)$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the process group (the server and its Granian worker)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # a worker left behind, or a hung leader
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 20) -> None:
    """Until `url`/-/health answers 200; fail early when `proc` exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/-/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{url}/-/health did not answer 200 within {timeout}s")


@dataclasses.dataclass
class Snapshots:
    live: Path
    first: tuple[int, int]  # (serial, created) of the file the servers start with
    second: tuple[int, int]  # ... of the one published mid-run
    pending: Path  # the second, waiting beside the live file to be renamed over it


@pytest.fixture
def snapshots(tmp_path: Path) -> Snapshots:
    world = DemoWorld(tmp_path)
    world.build_tree()
    base = load_settings(env={}).settings
    settings = dataclasses.replace(
        base,
        master_prefix=world.master,
        data_dir=tmp_path,
        log_dir=tmp_path / "log",
        database_url=f"sqlite:///{tmp_path / 'mm.sqlite'}",
        mirrorlist_access_log="-",
        geoip_database="",
    )
    engine = make_engine(settings.effective_database_url)
    world.connect(settings, engine)
    world.migrate()
    assert world.scan().ok
    world.add_network(mirror_base_url="http://mirror.invalid", mark_up2date=True)
    session = world.session
    now = int(time.time())
    first = build_and_publish(session, settings, engine, now=now - 120)
    first_bytes = first.path.read_bytes()
    second = build_and_publish(session, settings, engine, now=now - 60)
    session.close()
    engine.dispose()
    assert second.serial == first.serial + 1
    pending = first.path.with_name("next.snapshot")
    os.replace(first.path, pending)
    tmp = first.path.with_name("first.tmp")
    tmp.write_bytes(first_bytes)
    os.replace(tmp, first.path)
    return Snapshots(
        first.path, (first.serial, first.created), (second.serial, second.created), pending
    )


class MirrorlistServer:
    def __init__(self, snapshot: Path, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.snapshot = snapshot
        self.tmp = tmp
        self.log = tmp / f"mirrorlist-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:  # a file: a full pipe would block the server
            self.proc = self._popen(log)

    def _popen(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "mirrormanager"),
                "serve-mirrorlist",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--snapshot",
                str(self.snapshot),
            ],
            env={
                "PATH": str(Path(sys.executable).parent),
                "PYTHONPATH": SOURCE,  # the code under test, not the venv's
                "MM_MIRRORLIST_ACCESS_LOG": "-",
                "MM_GEOIP_DATABASE": "",
                "MM_DATA_DIR": str(self.tmp),
                "MM_LOG_DIR": str(self.tmp / "log"),
                "MM_MIRRORLIST_RELOAD_SECONDS": "0.2",
            },
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # one process group: the server and its worker
        )

    def wait_healthy(self) -> None:
        assert self.proc is not None
        wait_healthy(self.url, self.proc, self.log)

    def serial(self) -> int:
        return int(httpx.get(f"{self.url}/-/snapshot", timeout=2).json()["serial"])

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


def haproxy_config(port: int, servers: list[MirrorlistServer], socket_path: Path) -> str:
    """The shipped config, runnable unprivileged in the foreground on test ports."""
    text = HAPROXY_CFG.read_text(encoding="utf-8")
    text = re.sub(r"^\s*(chroot|user|group|daemon|stats socket)\b.*$", "", text, flags=re.M)
    text = re.sub(r"^(\s*)log /dev/log\b", r"\g<1>log stderr format raw", text, flags=re.M)
    # maxconn 20000 needs 40,000 descriptors; a test runner may not raise its limit.
    text = re.sub(r"^(\s*)maxconn \d+$", r"\g<1>maxconn 1000", text, flags=re.M)
    text = text.replace("global\n", f"global\n    stats socket {socket_path} level admin\n", 1)
    text, binds = re.subn(r"^(\s*)bind \S+$", rf"\g<1>bind 127.0.0.1:{port}", text, flags=re.M)
    assert binds == 1
    for number, server in enumerate(servers, 1):
        shipped = f"127.0.0.1:{18080 + number}"
        assert shipped in text
        text = text.replace(shipped, f"127.0.0.1:{server.port}")
    return text


def haproxy_command(socket_path: Path, command: str) -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path))
        sock.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def stat(socket_path: Path, name: str) -> dict[str, str]:
    """Server `name`'s row of HAProxy's `show stat` CSV."""
    lines = haproxy_command(socket_path, "show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    for row in lines[1:]:
        fields = dict(zip(header, row.split(","), strict=False))
        if fields.get("pxname") == "mirrorlist" and fields.get("svname") == name:
            return fields
    raise AssertionError(f"no server {name} in HAProxy's stats")


def wait_sessions_gone(socket_path: Path, name: str, timeout: float = 10) -> None:
    """Until a drained server has no request in flight."""
    deadline = time.monotonic() + timeout
    while stat(socket_path, name)["scur"] != "0":
        assert time.monotonic() < deadline, f"{name} still has sessions after {timeout}s"
        time.sleep(0.05)


def wait_haproxy_up(socket_path: Path, name: str, timeout: float = 15) -> None:
    """Until HAProxy's health check has put server `name` back in rotation."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stat(socket_path, name)["status"] == "UP":
            return
        time.sleep(0.1)
    pytest.fail(f"HAProxy did not see {name} up within {timeout}s")


@dataclasses.dataclass
class Load:
    ok: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)
    created: Counter[int] = dataclasses.field(default_factory=Counter)
    last_created: dict[int, int] = dataclasses.field(default_factory=dict)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


def valid_mirrorlist(response: httpx.Response) -> int | None:
    """The snapshot's creation time of a good mirrorlist answer, else None."""
    lines = response.text.splitlines()
    if response.status_code != 200 or len(lines) < 3:
        return None
    created = CREATED.match(lines[1])
    if not lines[0].startswith("# repo = fedora-41 arch = x86_64") or created is None:
        return None
    if not all(line.startswith(("http://", "https://")) for line in lines[2:]):
        return None
    return int(created.group(1))


def valid_metalink(response: httpx.Response) -> bool:
    text = response.text
    return (
        response.status_code == 200
        and '<file name="repomd.xml">' in text
        and "<url " in text
        and text.rstrip().endswith("</metalink>")
    )


def client_loop(url: str, stop_event: threading.Event, load: Load, number: int) -> None:
    """Requests back to back on one keep-alive connection; every fifth is a metalink."""
    with httpx.Client(base_url=url, timeout=15) as client:
        sent = 0
        while not stop_event.is_set():
            sent += 1
            metalink = sent % 5 == 0
            try:
                response = client.get(METALINK if metalink else MIRRORLIST)
            except httpx.HTTPError as exc:
                with load.lock:
                    load.failures.append(f"client {number}: {exc!r}")
                continue
            created = None if metalink else valid_mirrorlist(response)
            good = valid_metalink(response) if metalink else created is not None
            with load.lock:
                if not good:
                    load.failures.append(
                        f"client {number}: {response.status_code} {response.text[:300]!r}"
                    )
                    continue
                load.ok += 1
                if created is not None:
                    load.created[created] += 1
                    load.last_created[number] = created


@pytest.fixture
def servers(snapshots: Snapshots, tmp_path: Path) -> Iterator[list[MirrorlistServer]]:
    started = [MirrorlistServer(snapshots.live, tmp_path) for _ in range(2)]
    try:
        for server in started:
            server.start()
        for server in started:
            server.wait_healthy()
        yield started
    finally:
        for server in started:
            server.stop()


def run_under_load(
    url: str,
    servers: list[MirrorlistServer],
    snapshots: Snapshots,
    restart: Callable[[int], None],
) -> Load:
    """Clients hammer `url` while server 0 is restarted, a new snapshot is published (both
    servers reload it in place), then server 1 is restarted; `restart(i)` does one."""
    stop_event = threading.Event()
    load = Load()
    clients = [
        threading.Thread(target=client_loop, args=(url, stop_event, load, n))
        for n in range(CLIENTS)
    ]
    try:
        for thread in clients:
            thread.start()
        time.sleep(1)
        restart(0)
        time.sleep(0.5)
        os.replace(snapshots.pending, snapshots.live)
        deadline = time.monotonic() + 15
        while any(s.serial() != snapshots.second[0] for s in servers):
            assert time.monotonic() < deadline, "the new snapshot was not loaded"
            time.sleep(0.1)
        time.sleep(0.5)
        restart(1)
        time.sleep(1)
    finally:
        stop_event.set()
        for thread in clients:
            if thread.is_alive():
                thread.join(timeout=20)
    return load


def check_load(load: Load, snapshots: Snapshots, servers: list[MirrorlistServer]) -> None:
    assert not load.failures, f"{len(load.failures)} failed of {load.ok}: {load.failures[:5]}"
    assert load.ok > 200, load.ok
    first_created, second_created = snapshots.first[1], snapshots.second[1]
    assert set(load.created) == {first_created, second_created}, load.created
    # Every client's last answers came from the new snapshot.
    assert set(load.last_created.values()) == {second_created}, load.last_created
    assert all(s.serial() == snapshots.second[0] for s in servers)


@needs_haproxy
def test_rolling_restart_behind_haproxy_under_load(
    snapshots: Snapshots, servers: list[MirrorlistServer], tmp_path: Path
) -> None:
    port = free_port()
    admin = tmp_path / "haproxy.sock"
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(port, servers, admin), encoding="utf-8")
    with (tmp_path / "haproxy.log").open("ab") as log:
        haproxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )

    def restart(i: int) -> None:
        name = f"mirrorlist{i + 1}"
        drain = i == 1  # server 1 the simple way (stop, retries cover it), server 2 drained
        if drain:
            assert haproxy_command(admin, f"set server mirrorlist/{name} state drain") == "\n"
            wait_sessions_gone(admin, name)
        servers[i].stop()
        servers[i].start()
        servers[i].wait_healthy()
        if drain:
            assert haproxy_command(admin, f"set server mirrorlist/{name} state ready") == "\n"
        wait_haproxy_up(admin, name)  # before the next one goes away

    try:
        for _ in range(100):
            if admin.exists():
                break
            time.sleep(0.05)
        for name in ("mirrorlist1", "mirrorlist2"):
            wait_haproxy_up(admin, name)
        load = run_under_load(f"http://127.0.0.1:{port}", servers, snapshots, restart)
    finally:
        stop(haproxy)

    check_load(load, snapshots, servers)
    # The restarts did hit traffic: HAProxy had to retry some requests on the other server
    # (its log's connection counts end in "/+1" for a redispatched request).
    proxy_log = (tmp_path / "haproxy.log").read_text(encoding="utf-8", errors="replace")
    assert re.search(r" \d+/\d+/\d+/\d+/\+[1-9]\d* \d+/\d+ \"GET ", proxy_log), "no retry"


def nginx_config(port: int, servers: list[MirrorlistServer], tmp: Path) -> tuple[str, int]:
    """A main config around the shipped snippet, on test ports; and its fail_timeout."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    text, listens = re.subn(
        r"^(\s*)listen 80;$", rf"\g<1>listen 127.0.0.1:{port};", text, flags=re.M
    )
    assert listens == 1
    text = re.sub(r"^\s*listen \[::\]:80;$", "", text, flags=re.M)
    for number, server in enumerate(servers, 1):
        shipped = f"127.0.0.1:{18080 + number}"
        assert shipped in text
        text = text.replace(shipped, f"127.0.0.1:{server.port}")
    fail_timeout = re.search(r"fail_timeout=(\d+)s", text)
    assert fail_timeout is not None
    (tmp / "mirrorlist.conf").write_text(text, encoding="utf-8")
    main = (
        f"pid {tmp / 'nginx.pid'};\n"
        "worker_processes 1;\n"
        "error_log stderr;\n"
        "events {}\n"
        "http {\n"
        "    log_format upstreams '$status $upstream_addr $upstream_status';\n"
        f"    access_log {tmp / 'nginx-access.log'} upstreams;\n"
        f"    include {tmp / 'mirrorlist.conf'};\n"
        "}\n"
    )
    return main, int(fail_timeout.group(1))


@needs_nginx
def test_rolling_restart_behind_nginx_under_load(
    snapshots: Snapshots, servers: list[MirrorlistServer], tmp_path: Path
) -> None:
    port = free_port()
    main, fail_timeout = nginx_config(port, servers, tmp_path)
    config = tmp_path / "nginx.conf"
    config.write_text(main, encoding="utf-8")
    with (tmp_path / "nginx.log").open("ab") as log:
        nginx = subprocess.Popen(
            ["nginx", "-c", str(config), "-p", str(tmp_path), "-e", "stderr", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )

    def restart(i: int) -> None:
        # docs/zero-downtime.md: restart, wait for health, then longer than fail_timeout so
        # that nginx uses the instance again before the next one goes away.
        servers[i].stop()
        servers[i].start()
        servers[i].wait_healthy()
        time.sleep(fail_timeout + 1)

    try:
        wait_healthy(f"http://127.0.0.1:{port}", nginx, tmp_path / "nginx.log")
        load = run_under_load(f"http://127.0.0.1:{port}", servers, snapshots, restart)
    finally:
        stop(nginx)

    check_load(load, snapshots, servers)
    # The restarts did hit traffic: some requests went to a second upstream.
    access = (tmp_path / "nginx-access.log").read_text(encoding="utf-8")
    assert re.search(r"^200 \S+, \S+ ", access, flags=re.M), "no retry"
