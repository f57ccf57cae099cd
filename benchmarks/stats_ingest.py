"""Statistics ingest benchmark (issue 6): lines per second and peak memory.

Generates a 10-million-line mirrorlist access log in the server's exact format (via
`mirrormanager.mirrorlist.accesslog.format_line`'s layout: 30 days, 60 countries, 300
repositories, 6 arches, 0.01 % malformed lines), plain and gzip-compressed, plus a
1-million-line log; then ingests each into a fresh SQLite database in a fresh process, so
the peak RSS printed is the ingest's own. Flat memory: the 10M-line peak ≈ the 1M-line peak.
Goal: ≥ 500,000 lines/s on 2 cores.

    python benchmarks/stats_ingest.py [--lines 10000000] [--workdir DIR] [--keep]
                                      [--database-url URL]   # e.g. PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

COUNTRIES = [*[f"{a}{b}" for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJ"][:59], ""]
ARCHES = ["x86_64", "aarch64", "ppc64le", "s390x", "source", "i386"]
REPOS = (
    [f"fedora-{v}" for v in range(30, 43)]
    + [f"updates-released-f{v}" for v in range(30, 43)]
    + [f"updates-testing-f{v}" for v in range(30, 43)]
    + [f"epel-{v}" for v in range(7, 11)]
    + [f"repo-{n}" for n in range(257)]
)[:300]


def generate(path: Path, lines: int, seed: int = 1) -> None:
    """Write `lines` log lines (a chunk of distinct lines repeated with other days/times)."""
    rng = random.Random(seed)
    chunk = []
    for i in range(100_000):
        country = rng.choice(COUNTRIES)
        repo = REPOS[min(int(rng.paretovariate(1.2)) - 1, len(REPOS) - 1)]
        arch = ARCHES[min(int(rng.expovariate(1.5)), len(ARCHES) - 1)]
        endpoint = "metalink" if i % 4 else "mirrorlist"
        address = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{i % 256}"
        chunk.append((address, country, repo, arch, endpoint))
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < lines:
            day = 1 + written * 30 // lines
            block = []
            for n, (address, country, repo, arch, endpoint) in enumerate(chunk):
                if written + n >= lines:
                    break
                stamp = f"2026-11-{day:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}Z"
                if (written + n) % 10_000 == 9_999:
                    block.append("garbage line, no tabs\n")
                else:
                    block.append(f"{address}\t{stamp}\t{country}\t{repo}\t{arch}\t{endpoint}\n")
            out.write("".join(block))
            written += len(block)


def gzip_file(source: Path, target: Path) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip container, logrotate's level
    with open(source, "rb") as src, open(target, "wb") as dst:
        while data := src.read(8 << 20):
            dst.write(compressor.compress(data))
        dst.write(compressor.flush())


def run_child(path: Path, url: str, workers: int) -> dict[str, float]:
    """In this (fresh) process: ingest one file into a fresh database, report figures."""
    from mirrormanager.db.migrate import upgrade
    from mirrormanager.db.session import make_engine, make_session_factory
    from mirrormanager.stats.ingest import ingest

    engine = make_engine(url)
    upgrade(engine)
    session = make_session_factory(engine)()
    start = time.perf_counter()
    report = ingest(session, [path], workers=workers)
    seconds = time.perf_counter() - start
    session.close()
    [file] = report.files
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "lines": file.lines,
        "malformed": file.malformed,
        "rows": file.rows,
        "seconds": seconds,
        "peak_rss_mib": max(self_rss, child_rss) / 1024,
    }


def measure(path: Path, url: str, workers: int) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(path),
            "--database-url",
            url,
            "--workers",
            str(workers),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.database_url, args.workers)))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mm-stats-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        small, big = work / "access-1M.log", work / "access-big.log"
        packed = work / "access-big.log.gz"
        start = time.perf_counter()
        generate(small, min(1_000_000, args.lines))
        generate(big, args.lines)
        gzip_file(big, packed)
        print(
            f"generated {args.lines:,} lines ({big.stat().st_size / 2**20:,.0f} MiB plain, "
            f"{packed.stat().st_size / 2**20:,.0f} MiB gzip) in {time.perf_counter() - start:.0f}s"
        )
        print(f"cpus available: {len(os.sched_getaffinity(0))}")
        for label, path in (("1M plain", small), ("plain", big), ("gzip", packed)):
            db = work / f"bench-{label.replace(' ', '-')}.sqlite"
            db.unlink(missing_ok=True)
            url = args.database_url or f"sqlite:///{db}"
            figures = measure(path, url, args.workers)
            print(
                f"{label:>9}: {figures['lines']:>12,.0f} lines in {figures['seconds']:6.2f}s = "
                f"{figures['lines'] / figures['seconds']:>11,.0f} lines/s, "
                f"peak RSS {figures['peak_rss_mib']:6.1f} MiB, {figures['rows']:,.0f} daily rows, "
                f"{figures['malformed']:,.0f} malformed"
            )
            if args.database_url:
                print("  (shared --database-url: later runs add to the same rows)")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
