"""Crawler benchmark: a simulated mirror network on loopback.

Builds the small demo tree, scans it into a temporary SQLite database, and starts (in a
child process) N HTTP mirrors, each on its own loopback port, serving the tree from
memory with an injected latency of 20-200 ms per response; 5 % of them hang (accept,
never answer) and 5 % serve a stale repomd.xml. A few real `rsync --daemon` modules serve
a copy of the tree. Then it crawls them all, in --repodata-only and in full mode, and
prints wall time, the lower bound (per-host latency x requests / max_connections, spread
over the crawler's concurrency, hung hosts costing their read timeout), the ratio, request
counts per host and peak memory of the crawler process.

    python benchmarks/crawler.py [--mirrors 500] [--rsync 5] [--concurrency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import select

from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import CrawlSummary, crawl
from mirrormanager.db.models import Category, Host, HostCategory, HostCategoryUrl, Site
from mirrormanager.db.session import make_engine
from mirrormanager.demo.world import DemoWorld
from mirrormanager.settings import load_settings

CATEGORY = "Fedora Linux"
TOPDIR = "pub/fedora/linux"
READ_TIMEOUT = 10.0


def load_tree(root: Path) -> dict[str, tuple[int, int, bytes | None]]:
    """path -> (size, mtime, body for repomd.xml) of every file under root/TOPDIR."""
    files: dict[str, tuple[int, int, bytes | None]] = {}
    top = root / TOPDIR
    for path in top.rglob("*"):
        if path.is_file():
            stat = path.stat()
            body = path.read_bytes() if path.name == "repomd.xml" else None
            files["/" + str(path.relative_to(root))] = (stat.st_size, int(stat.st_mtime), body)
    return files


async def serve_mirror(
    port: int, files: dict[str, tuple[int, int, bytes | None]], latency: float, mode: str
) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if mode == "hung":
                    await asyncio.sleep(3600)
                method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                await asyncio.sleep(latency)
                path = target.split("?", 1)[0]
                entry = files.get(path)
                if entry is None and (path.rstrip("/") == "/" + TOPDIR):
                    entry = (0, 0, b"")
                if entry is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                else:
                    size, mtime, body = entry
                    if body is not None and mode == "stale" and path.endswith("repomd.xml"):
                        body = body + b"\n"
                    length = len(body) if body is not None else size
                    headers = (
                        f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n"
                        f"Last-Modified: {formatdate(mtime, usegmt=True)}\r\n\r\n"
                    )
                    writer.write(headers.encode())
                    if method == "GET" and body is not None:
                        writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
    async with server:
        await server.serve_forever()


def run_servers(specs: list[tuple[int, float, str]], root: str) -> None:
    files = load_tree(Path(root))

    async def main() -> None:
        await asyncio.gather(*(serve_mirror(p, files, lat, mode) for p, lat, mode in specs))

    # uvloop: the simulated mirrors should cost the shared cores less than the crawler does.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_ports(count: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def lower_bound(summary: CrawlSummary, latency: dict[str, float], specs: Any) -> float:
    per_host = []
    for line in summary.hosts:
        mode = specs.get(line.name, "good")
        if mode == "hung":
            per_host.append(READ_TIMEOUT)
        elif line.name in latency:
            per_host.append(line.requests * latency[line.name] / 4)  # max_connections=4
    if not per_host:
        return 0.0
    return max(max(per_host), sum(per_host) / CONCURRENCY)


CONCURRENCY = 100


def main() -> None:
    global CONCURRENCY
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirrors", type=int, default=500)
    parser.add_argument("--rsync", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--host-timeout", type=float, default=600.0, help="seconds")
    parser.add_argument(
        "--hosts-ahead",
        type=int,
        default=CrawlOptions().hosts_ahead,
        help="hosts whose first request may go before their crawl slot (0: none)",
    )
    args = parser.parse_args()
    CONCURRENCY = args.concurrency
    os.environ.setdefault("MM_LOG_FORMAT", "json")
    work = Path(tempfile.mkdtemp(prefix="mm-crawl-bench-"))
    rng = random.Random(42)
    rsync_proc: subprocess.Popen[bytes] | None = None
    try:
        world = DemoWorld(work)
        world.build_tree()
        settings = dataclasses.replace(
            load_settings(env={}).settings,
            master_prefix=world.master,
            data_dir=work,
            log_dir=work / "log",
            log_level="WARNING",
        )
        world.connect(settings, make_engine(f"sqlite:///{work / 'bench.sqlite'}"))
        world.migrate()
        session = world.session
        import logging

        logging.disable(logging.INFO)
        from mirrormanager.logging import configure_logging

        configure_logging("WARNING", "json", open(os.devnull, "w"))  # noqa: SIM115
        assert world.scan().ok
        session.commit()
        category = session.scalars(select(Category).where(Category.name == CATEGORY)).one()

        ports = free_ports(args.mirrors + 1)
        specs: list[tuple[int, float, str]] = []
        modes: dict[str, str] = {}
        latency: dict[str, float] = {}
        for index, port in enumerate(ports[: args.mirrors]):
            mode = "hung" if index % 20 == 0 else "stale" if index % 20 == 1 else "good"
            lat = rng.uniform(0.02, 0.2)
            specs.append((port, lat, mode))
            name = f"http{index}.example.org"
            modes[name], latency[name] = mode, lat
            site = Site(name=f"site-{name}")
            host = Host(site=site, name=name, country="DE", max_connections=4)
            hc = HostCategory(host=host, category=category)
            url = HostCategoryUrl(host_category=hc, url=f"http://127.0.0.1:{port}/{TOPDIR}")
            session.add_all([site, host, hc, url])
        rsync_port = ports[-1]
        if args.rsync:
            conf = work / "rsyncd.conf"
            modules = "".join(
                f"[pub{i}]\npath = {work / 'master' / 'pub'}\n" for i in range(args.rsync)
            )
            conf.write_text(f"use chroot = no\n{modules}")
            rsync_proc = subprocess.Popen(
                [
                    "rsync",
                    "--daemon",
                    "--no-detach",
                    f"--config={conf}",
                    f"--port={rsync_port}",
                    "--address=127.0.0.1",
                ]
            )
            for index in range(args.rsync):
                name = f"rsync{index}.example.org"
                site = Site(name=f"site-{name}")
                host = Host(site=site, name=name, country="DE", max_connections=1)
                hc = HostCategory(host=host, category=category)
                url = f"rsync://127.0.0.1:{rsync_port}/pub{index}/fedora/linux"
                session.add_all([site, host, hc, HostCategoryUrl(host_category=hc, url=url)])
        session.commit()
        server = multiprocessing.Process(
            target=run_servers, args=(specs, str(work / "master")), daemon=True
        )
        server.start()
        server_pids = [server.pid] if server.pid is not None else []
        time.sleep(1.0 + args.mirrors / 500)

        print(f"{args.mirrors} HTTP mirrors (5% hung, 5% stale, 20-200 ms latency), "
              f"{args.rsync} rsync mirrors, concurrency {args.concurrency}")  # fmt: skip
        for repodata_only in (True, False):
            options = CrawlOptions(
                concurrency=args.concurrency,
                connect_timeout=READ_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                host_timeout=args.host_timeout,
                repodata_only=repodata_only,
                log_dir=work / "log",
                record_propagation=True,
                master_prefix=settings.master_prefix,
                hosts_ahead=args.hosts_ahead,
            )
            began = time.time()
            started = time.monotonic()
            server_cpu = process_cpu(server_pids[0]) if server_pids else 0.0
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            summary = crawl(session, HostSelection(), options)
            wall = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
            server_cpu = (process_cpu(server_pids[0]) if server_pids else 0.0) - server_cpu
            bound = lower_bound(summary, latency, modes)
            http = [h for h in summary.hosts if h.name.startswith("http")]
            good = [h for h in http if modes[h.name] != "hung"]
            rsync = [h for h in summary.hosts if h.name.startswith("rsync")]
            hung = [h for h in http if modes[h.name] == "hung"]
            print(
                f"\n{'repodata-only' if repodata_only else 'full'} crawl: wall {wall:.1f} s, "
                f"lower bound {bound:.1f} s, ratio {wall / bound if bound else 0:.2f}; "
                f"crawler CPU {cpu_seconds:.1f} s ({cpu_seconds / wall:.0%} of one core)"
            )
            print(
                f"  CPU per request: crawler {cpu_seconds / max(summary.requests, 1) * 1e3:.2f} ms"
                f", simulated servers {server_cpu / max(summary.requests, 1) * 1e3:.2f} ms "
                f"({server_cpu:.1f} s); load average {os.getloadavg()[0]:.1f} on "
                f"{os.cpu_count()} cores"
            )
            print(
                f"  planning (database reads) {summary.plan_seconds:.1f} s of the wall time; "
                f"storing is inside the crawl"
            )
            print(
                f"  hosts ok {summary.count('ok')}, failed {summary.count('failed')}, "
                f"timeout {summary.count('timeout')}; stale directories {summary.stale_dirs}"
            )
            if good:
                per = sorted(h.requests for h in good)
                dirs_per_s = sum(h.requests for h in good) / wall
                print(
                    f"  HTTP requests per host: median {per[len(per) // 2]}, max {per[-1]}; "
                    f"total {sum(per)} ({dirs_per_s:.0f} requests/s)"
                )
            if good:
                own = sorted(h.seconds / (h.requests * latency[h.name] / 4) for h in good)
                print(
                    f"  per good host, its time over its own bound: median "
                    f"{own[len(own) // 2]:.2f}, 90th percentile {own[len(own) * 9 // 10]:.2f}"
                )
            if good:
                waits = sorted(h.waited for h in good)
                print(
                    f"  waiting for a crawl slot after the first request: median "
                    f"{waits[len(waits) // 2]:.2f} s, max {waits[-1]:.2f} s"
                )
            if hung:
                print(f"  hung hosts: slowest ended after {max(h.seconds for h in hung):.1f} s "
                      f"(read timeout {READ_TIMEOUT} s)")  # fmt: skip
                starts = sorted(h.started - began for h in hung)
                print(
                    f"  hung hosts' first requests {starts[0]:.1f}-{starts[-1]:.1f} s into the "
                    f"crawl (planning included); the last ended at "
                    f"{max(h.started - began + h.waited + h.seconds for h in hung):.1f} s"
                )
            if rsync:
                print(
                    f"  rsync: {len(rsync)} hosts, 1 listing each, "
                    f"{max(h.seconds for h in rsync):.2f} s slowest"
                )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak memory of the crawler process: {peak:.0f} MB")
        server.terminate()
        session.close()
    finally:
        # Also on an error: a daemon left behind holds the caller's stdout pipe open.
        if rsync_proc is not None:
            rsync_proc.terminate()
            rsync_proc.wait(5)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
