"""Soak test of the mirrorlist server: steady load while snapshots come and go.

Builds the demo (`mirrormanager demo --no-serve`) in a temporary folder, starts the real
server (`mirrormanager serve-mirrorlist`, granian) on loopback, and drives it for
``--minutes`` (default 10) at ``--rate`` requests a second (open loop: a request is sent
on schedule whether or not the previous ones have answered; 80 % metalink, 20 %
mirrorlist, a distinct client address each via a trusted X-Forwarded-For). Meanwhile a
new snapshot (next serial) is published every 30 s and a corrupt one (one byte flipped,
written atomically like a real publication) every 90 s, 15 s after a good one.

Prints per minute: requests, failed requests (any status but 200, or no answer: must be
0), p50/p99 latency, the server's RSS (workers included) and the serial it served; then
the RSS spread over the minutes after the first (must stay within 10 %).

    python benchmarks/soak.py [--minutes 10] [--rate 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

from mirrormanager.formats.snapshot_codec import decode, encode

PY = sys.executable
REPOS = [
    ("fedora-41", "x86_64"),
    ("fedora-41", "aarch64"),
    ("updates-released-f41", "x86_64"),
    ("epel-9", "x86_64"),
    ("rawhide", "x86_64"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def publish(path: Path, raw: bytes) -> None:
    """As the snapshot publisher does: temp file in the folder, fsync, rename."""
    tmp = path.with_name(path.name + ".soak-tmp")
    with tmp.open("wb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


@dataclasses.dataclass
class Minute:
    requests: int = 0
    failed: int = 0
    latencies: list[float] = dataclasses.field(default_factory=list)
    rss: list[float] = dataclasses.field(default_factory=list)
    serials: set[int] = dataclasses.field(default_factory=set)


async def drive(args: argparse.Namespace, base: str, pid: int, snapshot: Path) -> None:
    minutes: dict[int, Minute] = defaultdict(Minute)
    failures: list[str] = []
    rng = random.Random(1)
    good = decode(snapshot.read_bytes())
    serial = good.serial
    published = {"good": 0, "corrupt": 0}
    start = time.monotonic()
    end = start + args.minutes * 60
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)

    async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:

        async def one(n: int) -> None:
            repo, arch = rng.choice(REPOS)
            kind = "metalink" if rng.random() < 0.8 else "mirrorlist"
            address = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7"
            minute = int((time.monotonic() - start) // 60)
            sent = time.perf_counter()
            try:
                r = await client.get(
                    f"/{kind}?repo={repo}&arch={arch}", headers={"X-Forwarded-For": address}
                )
                ok, what = r.status_code == 200, f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                ok, what = False, type(exc).__name__
            record = minutes[minute]
            record.requests += 1
            record.latencies.append(time.perf_counter() - sent)
            if not ok:
                record.failed += 1
                failures.append(f"minute {minute}: {kind} {repo}/{arch}: {what}")

        async def publisher() -> None:
            nonlocal serial
            tick = 0
            while time.monotonic() < end:
                await asyncio.sleep(15)
                tick += 15
                if tick % 30 == 0:
                    serial += 1
                    raw = encode(dataclasses.replace(good, serial=serial))
                    await asyncio.to_thread(publish, snapshot, raw)
                    published["good"] += 1
                elif tick % 90 == 75:  # 15 s after the good one at 60, 150, 240, …
                    raw = bytearray(encode(dataclasses.replace(good, serial=serial + 1000)))
                    raw[len(raw) // 2] ^= 0xFF
                    await asyncio.to_thread(publish, snapshot, bytes(raw))
                    published["corrupt"] += 1

        async def monitor() -> None:
            while time.monotonic() < end:
                minute = int((time.monotonic() - start) // 60)
                minutes[minute].rss.append(rss_mb(pid))
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    served = (await client.get("/-/snapshot")).json().get("serial")
                    if isinstance(served, int):
                        minutes[minute].serials.add(served)
                await asyncio.sleep(1)

        tasks = [asyncio.create_task(publisher()), asyncio.create_task(monitor())]
        pending: set[asyncio.Task[None]] = set()
        interval = 1 / args.rate
        n = 0
        while True:
            due = start + n * interval
            if due >= end:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(n))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    print(
        f"{'minute':>6} {'requests':>9} {'failed':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'RSS MB':>7}  serials served"
    )
    for minute in sorted(minutes):
        m = minutes[minute]
        rss = max(m.rss) if m.rss else 0.0
        p50, p99 = percentile(m.latencies, 0.5) * 1000, percentile(m.latencies, 0.99) * 1000
        print(
            f"{minute + 1:>6} {m.requests:>9} {m.failed:>7} {p50:>7.1f} {p99:>7.1f} "
            f"{rss:>7.1f}  {min(m.serials, default=0)}..{max(m.serials, default=0)}"
        )
    total = sum(m.requests for m in minutes.values())
    failed = sum(m.failed for m in minutes.values())
    steady = [max(m.rss) for k, m in sorted(minutes.items()) if k > 0 and m.rss]
    spread = (max(steady) - min(steady)) / min(steady) * 100 if steady else 0.0
    print(
        f"\n{total} requests at {args.rate}/s, {failed} failed; snapshots published: "
        f"{published['good']} good, {published['corrupt']} corrupt; "
        f"RSS spread after minute 1: {spread:.1f} % (want <= 10 %)"
    )
    for line in failures[:20]:
        print("  FAILED", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="How long to drive it.")
    parser.add_argument("--rate", type=float, default=100.0, help="Requests a second.")
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mm-soak-"))
    server = None
    try:
        subprocess.run(
            [
                PY,
                "-m",
                "mirrormanager",
                "demo",
                "--dir",
                str(work),
                "--no-serve",
                "--mirror-port",
                "0",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        config = work / "mirrormanager.toml"
        with config.open("a", encoding="utf-8") as out:
            out.write('trusted_proxies = ["127.0.0.0/8"]\nmirrorlist_access_log = "-"\n')
        port = free_port()
        log = (work / "server.log").open("wb")
        server = subprocess.Popen(
            [
                PY,
                "-m",
                "mirrormanager",
                "serve-mirrorlist",
                "--config",
                str(config),
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/-/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise SystemExit("the mirrorlist server did not start")
        asyncio.run(drive(args, base, server.pid, work / "mirrorlist.snapshot"))
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
