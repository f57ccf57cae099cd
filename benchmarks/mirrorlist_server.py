"""Mirrorlist server benchmark at Fedora scale (issue: snapshot and mirrorlist server).

Builds a synthetic snapshot (1,000 hosts in 60 countries, 5,000 repositories, 60,000
directories carried by most hosts, 50,000 host netblocks, 500,000 netblock->ASN rows, 10
repomd.xml generations per repository), starts the real server (Granian, raw ASGI app,
several workers) and drives it with wrk: 64 connections, a Lua script giving every request
a random client address through `ip=`, 80% metalink / 20% mirrorlist, 2% unknown repos.
Then the same stack answering a fixed 1 KB body, for the ratio, and the same load on a
snapshot with 5,000 host netblocks instead of 50,000.

    python benchmarks/mirrorlist_server.py [--workers 2] [--duration 10] [--threads 2]

Prints requests/s, p50/p99, the ratio to the 1 KB baseline, the snapshot load time and
RSS per worker. Needs `wrk` on PATH (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from mirrormanager.core.snapshot_model import (
    DirectoryEntry,
    FileDetailInfo,
    HostInfo,
    HostUrl,
    Snapshot,
)
from mirrormanager.formats.snapshot_codec import encode
from mirrormanager.mirrorlist.geoip import open_geoip
from mirrormanager.mirrorlist.handlers import Handler
from mirrormanager.mirrorlist.state import Loaded, default_decoder, load

_COUNTRY_CODES = (
    "US CA MX BR AR CL CO PE GB IE FR DE NL BE LU CH AT IT ES PT DK NO SE FI IS PL CZ SK HU "
    "SI HR RS RO BG GR TR UA RU EE LV LT IL IN CN JP KR TW HK SG MY TH VN ID PH AU NZ ZA KE "
    "EG NG"
)
COUNTRIES = tuple(_COUNTRY_CODES.split())
CATEGORIES = ("Fedora Linux", "Fedora EPEL", "Fedora Archive", "Fedora Secondary", "Fedora Alt")
TOPS = ("pub/fedora/linux", "pub/epel", "pub/archive", "pub/fedora-secondary", "pub/alt")


def rand_prefix(rng: random.Random, low: int, high: int) -> str:
    length = rng.randint(low, high)
    network = rng.getrandbits(32) >> (32 - length) << (32 - length)
    return (
        f"{network >> 24 & 255}.{network >> 16 & 255}.{network >> 8 & 255}.{network & 255}/{length}"
    )


def synthetic_snapshot(netblocks: int = 50_000, seed: int = 1) -> Snapshot:
    rng = random.Random(seed)
    hosts: dict[int, HostInfo] = {}
    urls: dict[int, HostUrl] = {}
    per_host_blocks = [[] for _ in range(1000)]  # type: list[list[str]]
    for _ in range(netblocks):
        per_host_blocks[rng.randrange(1000)].append(rand_prefix(rng, 12, 24))
    for hid in range(1, 1001):
        country = COUNTRIES[hid % len(COUNTRIES)]
        hosts[hid] = HostInfo(
            id=hid,
            name=f"mirror{hid}.example.{country.lower()}",
            country=country,
            bandwidth=rng.choice((10, 100, 1000, 10000)),
            max_connections=10,
            private=hid % 50 == 0,
            asn=64512 + hid,
            asn_clients=True,
            netblocks=tuple(per_host_blocks[hid - 1]),
            peer_asns=(64512 + rng.randrange(2000),),
        )
        for n, proto in enumerate(("https", "http", "rsync")):
            uid = hid * 10 + n
            urls[uid] = HostUrl(uid, hid, f"{proto}://mirror{hid}.example/pub/fedora/linux")
    # one shared host tuple per category: directories of one category share it
    host_sets = []
    for share in (0.9, 0.8, 0.7, 0.6, 0.5):
        carried = [h for h in hosts if rng.random() < share]
        host_sets.append(tuple((h, (h * 10, h * 10 + 1, h * 10 + 2)) for h in carried))
    directories: dict[str, DirectoryEntry] = {}
    repositories: dict[tuple[str, str], str] = {}
    for r in range(5000):
        cat = r % len(TOPS)
        sub = f"updates/{r // 50}/Everything/arch{r % 50}/os"
        name = f"{TOPS[cat]}/{sub}"
        details = tuple(
            FileDetailInfo(
                1_730_000_000 - g * 3600, 4000 + g, "a" * 32, "b" * 40, "c" * 64, "d" * 128
            )
            for g in range(10)
        )
        directories[name] = DirectoryEntry(name, sub, host_sets[cat])
        directories[name + "/repodata"] = DirectoryEntry(
            name + "/repodata", sub + "/repodata", host_sets[cat], files={"repomd.xml": details}
        )
        repositories[(f"repo-{r}", "x86_64")] = name
    for d in range(60_000 - len(directories)):
        cat = d % len(TOPS)
        sub = f"other/{d // 100}/{d % 100}"
        directories[f"{TOPS[cat]}/{sub}"] = DirectoryEntry(
            f"{TOPS[cat]}/{sub}", sub, host_sets[cat]
        )
    asns = tuple((rand_prefix(rng, 8, 24), 64512 + rng.randrange(3000)) for _ in range(500_000))
    return Snapshot(
        serial=1,
        created=int(time.time()),
        hosts=hosts,
        urls=urls,
        directories=directories,
        repositories=repositories,
        netblock_asns=asns,
        embargoed_countries=frozenset({"KP"}),
    )


LUA = """
math.randomseed(%(seed)d)
local repos = %(repos)d
request = function()
  local ip = math.random(1, 223) .. "." .. math.random(0, 255) .. "." ..
             math.random(0, 255) .. "." .. math.random(1, 254)
  local repo = "repo-" .. math.random(0, repos - 1)
  if math.random() < 0.02 then repo = "unknown-" .. math.random(1, 1000) end
  local path = "/metalink"
  if math.random() < 0.2 then path = "/mirrorlist" end
  return wrk.format("GET", path .. "?repo=" .. repo .. "&arch=x86_64&ip=" .. ip)
end
"""

BASELINE_APP = """
BODY = b"x" * 1024
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"1024")]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} did not become ready")


def children_rss(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "rss="], capture_output=True, text=True)
    return [int(x) // 1024 for x in out.stdout.split()]


def run_wrk(url: str, args: argparse.Namespace, script: Path | None) -> dict[str, float]:
    cmd = ["wrk", f"-t{args.threads}", "-c64", f"-d{args.duration}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> str:
        return re.search(rf"\s{p}%\s+(\S+)", out).group(1)  # type: ignore[union-attr]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
    }  # type: ignore[dict-item]


def geoip_database(work: Path) -> Path:
    """Every /8 of the IPv4 space in one of the 60 countries, as GeoLite2-Country would."""
    from mirrormanager.mirrorlist.testing_geoip import write_country_mmdb

    networks = {f"{a}.0.0.0/8": COUNTRIES[a % len(COUNTRIES)] for a in range(1, 224)}
    return write_country_mmdb(work / "country.mmdb", networks)


def serve(snapshot: Path, port: int, workers: int, work: Path) -> subprocess.Popen[bytes]:
    code = (
        "from pathlib import Path\n"
        "from mirrormanager.mirrorlist.app import ServerConfig\n"
        "from mirrormanager.mirrorlist.server import serve\n"
        f"serve(ServerConfig(Path({str(snapshot)!r}), {str(work / 'country.mmdb')!r},"
        f" access_log=Path({str(work / 'access.log')!r})),"
        f" bind='127.0.0.1:{port}', workers={workers})\n"
    )
    log = open(work / f"server-{port}.log", "wb")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=log)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure_server(
    snapshot: Path, args: argparse.Namespace, work: Path, lua: Path
) -> dict[str, object]:
    port = free_port()
    proc = serve(snapshot, port, args.workers, work)
    try:
        wait_ready(f"http://127.0.0.1:{port}/-/health")
        result: dict[str, object] = dict(run_wrk(f"http://127.0.0.1:{port}", args, lua))
        result["rss_mb"] = children_rss(proc.pid)
        info = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/-/snapshot").read())
        result["load_seconds_in_worker"] = info["load_seconds"]
        return result
    finally:
        stop(proc)


def in_process(loaded: Loaded, geoip: Path, requests: int = 3000) -> tuple[float, float]:
    """CPU milliseconds per metalink and per mirrorlist answer, without HTTP (less noisy)."""
    handler = Handler(open_geoip(geoip), random.Random(5))
    rng = random.Random(6)
    results = []
    for endpoint in ("metalink", "mirrorlist"):
        started = time.process_time()
        for _ in range(requests):
            ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7"
            params = {"repo": f"repo-{rng.randrange(5000)}", "arch": "x86_64", "ip": ip}
            handler.answer(loaded, endpoint, params, "127.0.0.1", time.time())
        results.append((time.process_time() - started) / requests * 1000)
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mm-mlbench-"))
    lua = work / "mix.lua"
    lua.write_text(LUA % {"seed": 42, "repos": 5000})
    geoip_database(work)

    results: dict[str, dict[str, object]] = {}
    for blocks in (50_000, 5_000):
        started = time.perf_counter()
        snap = synthetic_snapshot(blocks)
        path = work / f"snapshot-{blocks}.snap"
        path.write_bytes(encode(snap))
        del snap
        built = time.perf_counter() - started
        loaded = load(path, minimum=5, embargoed=(), decoder=default_decoder)
        print(
            f"snapshot {blocks} netblocks: built+encoded {built:.1f}s, file "
            f"{path.stat().st_size / 1e6:.1f} MB, load (decode+index) {loaded.load_seconds:.2f}s"
        )
        metalink_ms, mirrorlist_ms = in_process(loaded, work / "country.mmdb")
        print(
            f"  in-process CPU per answer: metalink {metalink_ms:.2f} ms, "
            f"mirrorlist {mirrorlist_ms:.2f} ms"
        )
        del loaded
        results[f"{blocks}"] = measure_server(path, args, work, lua)

    baseline_app = work / "baseline_app.py"
    baseline_app.write_text(BASELINE_APP)
    port = free_port()
    base = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--loop",
            "uvloop",
            "--no-log",
            "baseline_app:app",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        baseline = run_wrk(f"http://127.0.0.1:{port}/mirrorlist", args, None)
    finally:
        stop(base)

    print(
        f"\nworkers={args.workers} connections=64 duration={args.duration}s cpus={os.cpu_count()}"
    )
    print(
        f"fixed 1 KB body:   {baseline['rps']:>9.0f} req/s  "
        f"p50 {baseline['p50']}  p99 {baseline['p99']}"
    )
    for blocks, r in results.items():
        print(
            f"mirrorlist {blocks:>6} netblocks: {r['rps']:>9.0f} req/s  p50 {r['p50']}  "
            f"p99 {r['p99']}  ratio {float(r['rps']) / baseline['rps']:.2f}  "  # type: ignore[arg-type]
            f"non-2xx {r['non2xx']}  RSS/worker MB {r['rss_mb']}  "
            f"worker load {r['load_seconds_in_worker']}s"
        )


if __name__ == "__main__":
    main()
