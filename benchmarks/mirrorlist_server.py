"""Mirrorlist server benchmark at Fedora scale (issue: snapshot and mirrorlist server).

Builds a synthetic snapshot (1,000 hosts in 60 countries, 5,000 repositories, 60,000
directories carried by most hosts, 50,000 host netblocks, 500,000 netblock->ASN rows, 10
repomd.xml generations per repository), starts the real server (Granian, raw ASGI app,
several workers) and drives it with wrk: 64 connections, a Lua script giving every request
a random client address through `ip=`, 80% metalink / 20% mirrorlist, 2% unknown repos.
Two mixes: "full" (the contract's answer: netblock/ASN, country, then the whole continent:
~130-375 hosts, ~110 KB on average) and "realistic" (the same requests with `country=` the
client's own country: netblock/ASN plus ~17 country hosts, ~10 KB), to separate the cost
of the answer's size from the rest. Then the same stack answering a fixed 1 KB body (the
ratio's reference) and a fixed body of each mix's mean size (the ceiling for answers that
big), under the same wrk script as the mix (same requests, only the answer differs), and
the full mix on a snapshot with 5,000 host netblocks instead of 50,000.

    python benchmarks/mirrorlist_server.py [--workers 2] [--duration 10] [--threads 2]
                                           [--repeat 3]

Prints the GeoIP look-up cost with GeoLite2-Country-shaped records (decoded, and for an
address whose /24 was met before), the in-process CPU per answer (no HTTP: the stable
figure on a shared machine),
requests/s, p50/p99, the ratio to the same-size ceiling and to the 1 KB baseline, the CPU
per request of the server's workers (user, system) and of wrk, the snapshot load time and
RSS per worker. Needs `wrk` on PATH (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import typing
import urllib.request
from pathlib import Path

from mirrormanager.core import compiled
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
local countries = {%(countries)s}
local own_country = %(own_country)s
request = function()
  local first = math.random(1, 223)
  local ip = first .. "." .. math.random(0, 255) .. "." ..
             math.random(0, 255) .. "." .. math.random(1, 254)
  local repo = "repo-" .. math.random(0, repos - 1)
  if math.random() < 0.02 then repo = "unknown-" .. math.random(1, 1000) end
  local path = "/metalink"
  if math.random() < 0.2 then path = "/mirrorlist" end
  local extra = ""
  if own_country then extra = "&country=" .. countries[first %% #countries + 1] end
  return wrk.format("GET", path .. "?repo=" .. repo .. "&arch=x86_64&ip=" .. ip .. extra)
end
"""


def lua_script(realistic: bool) -> str:
    """The request mix; `realistic`: each client asks for its own country (`country=`, as
    the GeoIP database maps its /8), so the answer is its netblock/ASN hosts plus its
    country's ~17 hosts (~20 hosts) instead of the whole continent (~130-375)."""
    return LUA % {
        "seed": 42,
        "repos": 5000,
        "countries": ", ".join(f'"{c}"' for c in COUNTRIES),
        "own_country": "true" if realistic else "false",
    }


BASELINE_APP = """
import os
SIZE = int(os.environ.get("BASELINE_BODY", "1024"))
BODY = b"x" * SIZE
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", str(SIZE).encode())]
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


def process_cpu(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds of `pids` so far (from /proc)."""
    user = system = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / tick
        system += int(fields[12]) / tick
    return user, system


def workers_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def run_wrk(
    url: str, args: argparse.Namespace, script: Path | None, server_pid: int | None = None
) -> dict[str, object]:
    """One wrk run; with `server_pid`, also the CPU per request of the server's workers
    (user, system) and of wrk itself, in microseconds: on a shared 2-core machine these
    say where the time goes better than requests/s alone."""
    cmd = ["wrk", f"-t{args.threads}", "-c64", f"-d{args.duration}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    workers = workers_of(server_pid) if server_pid else []
    before, wrk_before = process_cpu(workers), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    after, wrk_after = process_cpu(workers), resource.getrusage(resource.RUSAGE_CHILDREN)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> str:
        return re.search(rf"\s{p}%\s+(\S+)", out).group(1)  # type: ignore[union-attr]

    def per_request(seconds: float) -> float:
        return seconds / max(1, total) * 1e6

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    wrk_cpu = (wrk_after.ru_utime - wrk_before.ru_utime) + (
        wrk_after.ru_stime - wrk_before.ru_stime
    )
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
        "user_us": per_request(after[0] - before[0]),
        "sys_us": per_request(after[1] - before[1]),
        "wrk_us": per_request(wrk_cpu),
    }


def cpu_text(result: dict[str, object]) -> str:
    return (
        f"CPU per request: workers {num(result['user_us']):.0f} us user + "
        f"{num(result['sys_us']):.0f} us system, wrk {num(result['wrk_us']):.0f} us"
    )


def geoip_database(work: Path) -> Path:
    """Every /8 of the IPv4 space in one of the 60 countries, as GeoLite2-Country would."""
    from mirrormanager.demo.geoip import write_country_mmdb

    networks = {f"{a}.0.0.0/8": COUNTRIES[a % len(COUNTRIES)] for a in range(1, 224)}
    return write_country_mmdb(work / "country.mmdb", networks)


def geolite2_record(country: str) -> dict[str, object]:
    """A record shaped as GeoLite2-Country's: the codes with names in eight languages."""
    names = {
        lang: f"{country} ({lang})"
        for lang in ("de", "en", "es", "fr", "ja", "pt-BR", "ru", "zh-CN")
    }
    place = {"geoname_id": 1, "iso_code": country, "names": names}
    return {
        "continent": {"code": "EU", "geoname_id": 2, "names": names},
        "country": place,
        "registered_country": place,
    }


def geoip_cost(work: Path, lookups: int = 20_000) -> str:
    """Microseconds per GeoIP look-up with GeoLite2-Country-shaped records (the mixes'
    database holds bare ISO codes): every address in a new /24 (decoded), then the same
    addresses again (answers kept per block)."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet  # type: ignore[import-untyped]

    from mirrormanager.core.netblocks import parse_address
    from mirrormanager.mirrorlist.geoip import MaxMindCountry

    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    for a in range(1, 224):
        writer.insert_network(IPSet([f"{a}.0.0.0/8"]), geolite2_record(COUNTRIES[a % 60]))
    writer.to_db_file(str(work / "geolite2-shaped.mmdb"))
    rng = random.Random(7)
    blocks = rng.sample(range(1 << 16, 224 << 16), lookups)  # distinct /24s
    addresses = [parse_address(f"{b >> 16}.{(b >> 8) & 255}.{b & 255}.9") for b in blocks]
    geoip = MaxMindCountry(work / "geolite2-shaped.mmdb")
    figures = []
    for _ in range(2):
        started = time.process_time()
        for address in addresses:
            geoip.locate(address)
        figures.append((time.process_time() - started) / lookups * 1e6)
    return (
        f"GeoIP look-up, GeoLite2-Country-shaped records: {figures[0]:.1f} us decoded, "
        f"{figures[1]:.1f} us for an address whose /24 was met before"
    )


def serve(
    snapshot: Path, port: int, workers: int, work: Path, pool_size: int
) -> subprocess.Popen[bytes]:
    code = (
        "from pathlib import Path\n"
        "from mirrormanager.mirrorlist.app import ServerConfig\n"
        "from mirrormanager.core.hostport import HostPort\n"
        "from mirrormanager.mirrorlist.server import serve\n"
        f"serve(ServerConfig(Path({str(snapshot)!r}), {str(work / 'country.mmdb')!r},"
        f" access_log=Path({str(work / 'access.log')!r}),"
        " trusted_proxies=('127.0.0.0/8',),"  # wrk's ip= comes from loopback
        f" pool_size={pool_size}),"
        f" bind=HostPort('127.0.0.1', {port}), workers={workers})\n"
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
    snapshot: Path, args: argparse.Namespace, work: Path, scripts: dict[str, Path]
) -> dict[str, dict[str, object]]:
    """One server, one wrk run per request mix."""
    port = free_port()
    proc = serve(snapshot, port, args.workers, work, args.pool_size)
    try:
        # every worker must have loaded (one ready worker answers /-/health while another
        # still decodes), then a short unrecorded run builds the lazily made strata and
        # fills the answer pools (300 classes per mix and endpoint, `pool_size` each)
        for _ in range(20):
            wait_ready(f"http://127.0.0.1:{port}/-/health")
        # (filling is one draw per request: 300 classes x 2 endpoints x pool size per
        # worker and mix; measured before it ends, the run measures the filling)
        warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
        for lua in scripts.values():
            run_wrk(f"http://127.0.0.1:{port}", warm, lua)
        runs: dict[str, list[dict[str, object]]] = {mix: [] for mix in scripts}
        for _ in range(args.repeat):  # the mixes alternate: slow phases hit both
            for mix, lua in scripts.items():
                runs[mix].append(run_wrk(f"http://127.0.0.1:{port}", args, lua, proc.pid))
        results = {mix: median_run(mix_runs) for mix, mix_runs in runs.items()}
        info = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/-/snapshot").read())
        for result in results.values():
            result["rss_mb"] = children_rss(proc.pid)
            result["load_seconds_in_worker"] = info["load_seconds"]
        return results
    finally:
        stop(proc)


def warm_params(realistic: bool, requests: int) -> list[dict[str, str]]:
    rng = random.Random(7)
    out = []
    for _ in range(requests):
        first = rng.randint(1, 223)
        params = {"repo": f"repo-{rng.randrange(5000)}", "arch": "x86_64", "ip": f"{first}.1.2.3"}
        if realistic:
            params["country"] = COUNTRIES[first % len(COUNTRIES)]
        out.append(params)
    return out


def in_process(
    loaded: Loaded, geoip: Path, *, realistic: bool, requests: int = 3000
) -> dict[str, tuple[float, float, float]]:
    """Per endpoint: CPU milliseconds per answer, mean body bytes and mean hosts, without
    HTTP (less noisy than wrk on a shared machine)."""
    handler = Handler(open_geoip(geoip), random.Random(5))
    rng = random.Random(6)
    params_list = []
    for _ in range(requests):
        first = rng.randint(1, 223)
        ip = f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7"
        params = {"repo": f"repo-{rng.randrange(5000)}", "arch": "x86_64", "ip": ip}
        if realistic:
            params["country"] = COUNTRIES[first % len(COUNTRIES)]
        params_list.append(params)
    results = {}
    for endpoint in ("metalink", "mirrorlist"):
        if loaded.pools is not None:  # steady state: the classes' pools filled first
            for params in warm_params(realistic, 20_000):
                handler.answer(loaded, endpoint, params, "127.0.0.1", time.time(), trusted=True)
        cpu = float("inf")
        for _ in range(3):  # the least of three loops: the others met other work
            size = hosts = 0
            started = time.process_time()
            for params in params_list:
                response, _entry = handler.answer(
                    loaded, endpoint, params, "127.0.0.1", time.time(), trusted=True
                )
                size += len(response.body)
            cpu = min(cpu, (time.process_time() - started) / requests * 1000)
        for params in params_list[:300]:
            response, _entry = handler.answer(
                loaded, endpoint, params, "127.0.0.1", time.time(), trusted=True
            )
            hosts += response.body.count(b"<url " if endpoint == "metalink" else b"://")
        results[endpoint] = (cpu, size / requests, hosts / 300)
    return results


def num(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def start_baseline(work: Path, port: int, workers: int, body: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--no-log",
            "baseline_app:app",
        ],
        cwd=work,
        env={**os.environ, "BASELINE_BODY": str(body)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure_baseline(
    work: Path, args: argparse.Namespace, body: int, script: Path
) -> dict[str, object]:
    """The fixed-body app under the same request stream (`script`) as the mix it is the
    ceiling of: wrk does the same work per request in both, only the answer differs."""
    port = free_port()
    base = start_baseline(work, port, args.workers, body)
    try:
        time.sleep(3)
        url = f"http://127.0.0.1:{port}/mirrorlist"
        return median_run([run_wrk(url, args, script, base.pid) for _ in range(args.repeat)])
    finally:
        stop(base)


def median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run with the median requests/s (its own CPU and latency figures), and every
    run's requests/s: on a shared 2-core machine one run can be off by 30 %."""
    ordered = sorted(runs, key=lambda r: num(r["rps"]))
    return {**ordered[len(ordered) // 2], "rps_runs": [num(r["rps"]) for r in runs]}


def runs_text(result: dict[str, object]) -> str:
    rates = typing.cast(list[float], result["rps_runs"])
    return "" if len(rates) < 2 else " (median of " + ", ".join(f"{r:.0f}" for r in rates) + ")"


def p99_ms(value: object) -> float:
    """wrk's latency text (`850.00us`, `12.3ms`, `1.2s`) in milliseconds."""
    text = str(value)
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="server worker processes"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (64 connections)")
    parser.add_argument(
        "--pool-size", type=int, default=16, help="mirrorlist_pool_size of the server (0: off)"
    )
    parser.add_argument(
        "--warmup", type=int, default=15, help="seconds of unrecorded load per mix first"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="wrk runs per figure; the median is reported (3 on a noisy machine)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mm-mlbench-"))
    scripts = {"full": work / "full.lua", "realistic": work / "realistic.lua"}
    scripts["full"].write_text(lua_script(realistic=False))
    scripts["realistic"].write_text(lua_script(realistic=True))
    geoip_database(work)
    print(geoip_cost(work))
    (work / "baseline_app.py").write_text(BASELINE_APP)

    results: dict[str, dict[str, dict[str, object]]] = {}
    mean_body = {"full": 0.0, "realistic": 0.0}
    for netblocks in (50_000, 5_000):
        started = time.perf_counter()
        snap = synthetic_snapshot(netblocks)
        path = work / f"snapshot-{netblocks}.snap"
        path.write_bytes(encode(snap))
        del snap
        built = time.perf_counter() - started
        for pool_size in dict.fromkeys((args.pool_size, 0)):
            loaded = load(
                path, minimum=5, embargoed=(), decoder=default_decoder, pool_size=pool_size
            )
            print(
                f"snapshot {netblocks} netblocks: built+encoded {built:.1f}s, file "
                f"{path.stat().st_size / 1e6:.1f} MB, load (decode+index) "
                f"{loaded.load_seconds:.2f}s; answer pools of {pool_size}"
            )
            for realistic in (False, True):
                answers = in_process(loaded, work / "country.mmdb", realistic=realistic)
                label = "realistic (country=own)" if realistic else "full (country+continent)"
                print(
                    f"  in-process CPU per answer, {label}: "
                    + ", ".join(
                        f"{endpoint} {cpu:.3f} ms ({size / 1000:.0f} KB, {hosts:.0f} URLs)"
                        for endpoint, (cpu, size, hosts) in answers.items()
                    )
                )
                if netblocks == 50_000:
                    # the mix's mean body: 80 % metalink, 20 % mirrorlist
                    mix = "realistic" if realistic else "full"
                    mean_body[mix] = 0.8 * answers["metalink"][1] + 0.2 * answers["mirrorlist"][1]
            if loaded.pools is not None:
                print(
                    f"  answer pools: {len(loaded.pools)} classes, "
                    f"{loaded.pools.bytes / 1e6:.1f} MB, {loaded.pools.hits} answers served "
                    f"from them, {loaded.pools.draws} drawn"
                )
            del loaded
        wanted = scripts if netblocks == 50_000 else {"full": scripts["full"]}
        results[f"{netblocks}"] = measure_server(path, args, work, wanted)

    baseline = measure_baseline(work, args, 1024, scripts["full"])
    ceilings = {
        mix: measure_baseline(work, args, int(size), scripts[mix])
        for mix, size in mean_body.items()
    }
    base_rps = num(baseline["rps"])

    importlib.import_module("mirrormanager.mirrorlist.app")  # what the workers load
    print(
        f"\nworkers={args.workers} connections=64 duration={args.duration}s "
        f"cpus={os.cpu_count()} pool_size={args.pool_size} repeat={args.repeat} "
        f"compiled modules={','.join(sorted(set(compiled.active()))) or 'none'}"
    )
    print(
        f"fixed 1 KB body:         {base_rps:>9.0f} req/s  "
        f"p50 {baseline['p50']}  p99 {baseline['p99']}{runs_text(baseline)}"
    )
    print(f"{'':>29}{cpu_text(baseline)}")
    for mix, sized in ceilings.items():
        print(
            f"fixed {mean_body[mix] / 1000:>3.0f} KB body:        {num(sized['rps']):>9.0f} req/s  "
            f"p50 {sized['p50']}  p99 {sized['p99']}  (the {mix} mix's mean answer size: "
            f"the ceiling for that size){runs_text(sized)}"
        )
        print(f"{'':>29}{cpu_text(sized)}")
    for blocks, measured in results.items():
        for mix, r in measured.items():
            ceiling = num(ceilings[mix]["rps"])
            print(
                f"{mix:>9} mix, {blocks:>6} netblocks: {num(r['rps']):>9.0f} req/s  "
                f"p50 {r['p50']}  p99 {r['p99']}  non-2xx {r['non2xx']} (2 % unknown repos)  "
                f"RSS/worker MB {r['rss_mb']}  worker load {r['load_seconds_in_worker']}s"
                f"{runs_text(r)}"
            )
            print(
                f"{'':>29}ratio to the same-size ceiling {num(r['rps']) / ceiling:.2f} "
                f"(goal >= 0.6), to 1 KB {num(r['rps']) / base_rps:.2f}; "
                f"p99 {p99_ms(r['p99']):.1f} ms (goal < 25)"
            )
            print(f"{'':>29}{cpu_text(r)}")
    flat = num(results["5000"]["full"]["rps"]) / num(results["50000"]["full"]["rps"])
    print(f"full mix at 5,000 / at 50,000 netblocks: {flat:.2f} (goal: ~1, flat cost)")


if __name__ == "__main__":
    main()
