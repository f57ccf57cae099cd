"""Hostile mirrors for `hostile_inputs.py`: an endless body and a gzip bomb on loopback,
and `mirrormanager crawl` run against 1 or 32 of them (its peak RSS: VmHWM)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from mirrormanager.db.models import Category, Directory, Host, HostCategory, HostCategoryUrl, Site
from mirrormanager.db.session import make_engine, make_session_factory

GZIP_BOMB = gzip.compress(b"\0" * (256 << 20), compresslevel=9)
Row = tuple[str, float, float, str]  # case, seconds, peak RSS MB, answer


async def hostile_mirror(port: int, stop: asyncio.Event) -> None:
    """/endless/… streams zeros forever; /gzip/… answers a 256 MiB gzip bomb."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target = head.split(b" ", 2)[:2]
                if target.startswith(b"/gzip/"):
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/plain"
                        b"\r\nContent-Length: %d\r\n\r\n" % len(GZIP_BOMB)
                    )
                    if method != b"HEAD":
                        writer.write(GZIP_BOMB)
                    await writer.drain()
                    continue
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
                if method == b"HEAD":
                    writer.write(b"Content-Length: 1000000000\r\n\r\n")
                    await writer.drain()
                    continue
                writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"0" * 65536
                while True:  # until the client gives up
                    writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await stop.wait()


def add_hostile_hosts(database: Path, port: int, modes: list[str]) -> int:
    engine = make_engine(f"sqlite:///{database}")
    session = make_session_factory(engine)()
    category = session.scalars(select(Category).where(Category.name == "Fedora Linux")).one()
    top = session.get(Directory, category.topdir_id)
    assert top is not None
    tag = time.monotonic_ns()
    site = Site(name=f"Hostile {tag}")
    session.add(site)
    session.flush()
    first = 0
    for n, mode in enumerate(modes):
        host = Host(site_id=site.id, name=f"{mode}{n}.{tag}.hostile.example", country="DE")
        session.add(host)
        session.flush()
        first = first or host.id
        hc = HostCategory(host_id=host.id, category_id=category.id)
        session.add(hc)
        session.flush()
        url = f"http://127.0.0.1:{port}/{mode}/{tag}-{n}/{top.name}"
        session.add(HostCategoryUrl(host_category_id=hc.id, url=url))
    session.commit()
    session.close()
    engine.dispose()
    return first


def run_crawl(config: Path, first: int) -> tuple[int, float, float]:
    """Exit code, seconds and peak RSS (MB) of `mirrormanager crawl --startid first`."""
    started = time.perf_counter()
    command = ["crawl", "--config", str(config), "--startid", str(first)]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mirrormanager",
            *command,
            "--timeout-minutes",
            "1",
            "--no-propagation",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # VmHWM of the crawl's own address space, read until it exits (wait4's ru_maxrss
    # would include this process's image, inherited across fork and exec).
    peak = 0
    while proc.poll() is None:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        time.sleep(0.01)
    return proc.returncode, time.perf_counter() - started, peak / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def crawler_cases(config: Path, database: Path) -> list[Row]:
    port = free_port()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(hostile_mirror(port, stop),), daemon=True
    )
    thread.start()
    time.sleep(0.3)
    rows: list[Row] = []
    cases = [
        ("crawl: one host with an endless body", ["endless"]),
        ("crawl: one host with a 256 MiB gzip bomb", ["gzip"]),
        ("crawl: 32 hostile hosts at once", ["endless", "gzip"] * 16),
    ]
    try:
        code, seconds, peak = run_crawl(config, 1_000_000)
        rows.append(("crawl: no host (baseline)", seconds, peak, f"exit {code}"))
        for name, modes in cases:
            code, seconds, peak = run_crawl(config, add_hostile_hosts(database, port, modes))
            rows.append((name, seconds, peak, f"exit {code}, crawl peak RSS {peak:.0f} MB"))
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
    return rows
