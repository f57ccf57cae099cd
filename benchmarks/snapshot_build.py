"""Snapshot benchmark at Fedora scale (issue: snapshot and mirrorlist server).

Prints: the time to generate the Fedora-scale database, then - measured in fresh processes so
peak memory is theirs alone - the snapshot build (database -> Snapshot), encode, atomic
write, the file size, and the load (read + decode + validate) time and memory a mirrorlist
server pays. Goal: build + encode + write < 30 s and < 1 GB.

    python benchmarks/snapshot_build.py [--database-url URL] [--keep] [--hosts N] ...

Without --database-url the database is a SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(work: Path, url: str, args: argparse.Namespace) -> float:
    from mirrormanager.db.session import make_engine
    from mirrormanager.demo.world import DemoWorld
    from mirrormanager.settings import Settings

    engine = make_engine(url)
    world = DemoWorld(work).connect(Settings(), engine)
    world.migrate()
    last = [0.0]

    def progress(table: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if total is not None or now - last[0] > 5:
            last[0] = now
            print(f"  {table}: {done:,}{' rows' if total is not None else ' …'}", flush=True)

    started = time.perf_counter()
    counts = world.fill_fedora_scale(
        hosts=args.hosts,
        directories=args.directories,
        repositories=args.repositories,
        asn_rows=args.asn_rows,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    world.session.close()
    engine.dispose()
    print(f"  host_category_dir rows: {counts['host_category_dir']:,}")
    return seconds


def child_build(url: str, output: Path, fmt: str) -> None:
    """Runs in its own process: build, encode, publish; prints one JSON line."""
    import dataclasses

    from mirrormanager.db.session import make_engine, make_session_factory
    from mirrormanager.formats import mm2_protobuf, snapshot_codec
    from mirrormanager.settings import Settings
    from mirrormanager.snapshot.build import build_snapshot
    from mirrormanager.snapshot.store import folder_lock, publish

    settings = dataclasses.replace(Settings(), snapshot_file=str(output))
    session = make_session_factory(make_engine(url))()
    t0 = time.perf_counter()
    snap = build_snapshot(session, settings)
    t1 = time.perf_counter()
    session.close()
    data = snapshot_codec.encode(snap) if fmt == "native" else mm2_protobuf.snapshot_to_mm2(snap)
    t2 = time.perf_counter()
    with folder_lock(output):
        publish(data, output)
    t3 = time.perf_counter()
    pairs = sum(len(d.hosts) for d in snap.directories.values())
    distinct = len({id(d.hosts) for d in snap.directories.values()})
    print(
        json.dumps(
            {
                "build": t1 - t0,
                "encode": t2 - t1,
                "write": t3 - t2,
                "bytes": len(data),
                "hosts": len(snap.hosts),
                "directories": len(snap.directories),
                "pairs": pairs,
                "distinct_sets": distinct,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def child_load(path: Path) -> None:
    from mirrormanager.snapshot.store import load_snapshot

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    snap = load_snapshot(path)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"load": seconds, "peak_mb": peak, "base_mb": before, "dirs": len(snap.directories)}
        )
    )


def run_child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="use this (empty) database instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--directories", type=int, default=60000)
    parser.add_argument("--repositories", type=int, default=5000)
    parser.add_argument("--asn-rows", type=int, default=500000)
    parser.add_argument("--child-build", nargs=3, metavar=("URL", "OUTPUT", "FORMAT"))
    parser.add_argument("--child-load", type=Path)
    args = parser.parse_args()
    if args.child_build:
        url, output, fmt = args.child_build
        child_build(url, Path(output), fmt)
        return
    if args.child_load:
        child_load(args.child_load)
        return

    work = Path(tempfile.mkdtemp(prefix="mm-snapbench-"))
    url = args.database_url or f"sqlite:///{work / 'fedora.sqlite'}"
    try:
        print(f"generating the Fedora-scale database ({url.split('@')[-1]}) …", flush=True)
        gen_s = generate(work, url, args)
        print(f"  generated in {gen_s:.1f}s (goal on SQLite < 180 s)", flush=True)
        results = {}
        for fmt, name in (("native", "mirrorlist.snapshot"), ("mm2-protobuf", "cache.proto")):
            output = work / "out" / name
            build = run_child("--child-build", url, str(output), fmt)
            load = run_child("--child-load", str(output))
            results[fmt] = (build, load)
        build, load = results["native"]
        total = build["build"] + build["encode"] + build["write"]
        print(
            f"hosts {build['hosts']:.0f}, directories {build['directories']:.0f}, "
            f"host-directory pairs {build['pairs']:,.0f} in {build['distinct_sets']:,.0f} "
            "distinct host sets"
        )
        print(f"build (database -> Snapshot):   {build['build']:8.2f} s")
        print(f"encode (native, zstd):          {build['encode']:8.2f} s")
        print(f"atomic write:                   {build['write']:8.2f} s")
        print(f"total:                          {total:8.2f} s  (goal < 30 s)")
        print(f"peak memory of the build:       {build['peak_mb']:8.0f} MB (goal < 1024 MB)")
        print(f"snapshot file size:             {build['bytes'] / 1e6:8.1f} MB")
        print(
            f"load (read+decode+validate):    {load['load']:8.2f} s, peak {load['peak_mb']:.0f} MB"
        )
        mm2_build, mm2_load = results["mm2-protobuf"]
        print(
            f"mm2 protobuf: encode {mm2_build['encode']:.2f} s, "
            f"{mm2_build['bytes'] / 1e6:.1f} MB, load {mm2_load['load']:.2f} s, peak "
            f"{mm2_load['peak_mb']:.0f} MB"
        )
        where = "given URL" if args.database_url else "SQLite file"
        print(f"(cores: {os.cpu_count()}, database: {where})")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
