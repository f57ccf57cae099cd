"""Scanner benchmark on a Fedora-scale tree (issue: foundation and umdl).

Prints: the time of `find TREE -printf '%C@ %s %p\\n'` (walking and stat-ing everything),
the scanner's first full scan, its rescan with no change, the two ratios against `find`,
and the peak memory of the scanner processes.

    python benchmarks/scan_fedora_scale.py [--tree DIR] [--keep]

The tree (>= 100,000 directories, >= 1,000,000 files) is built in a temporary folder
unless --tree names an existing one; the scans run as separate `mirrormanager umdl`
processes on a fresh SQLite database so their peak RSS is measured alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="existing Fedora-scale master tree")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mm-bench-"))
    master = args.tree or work / "master"
    try:
        if args.tree is None:
            from mirrormanager.demo.world import DemoWorld

            print(f"building the Fedora-scale tree in {master} …", flush=True)
            started = time.perf_counter()
            summary = DemoWorld(work).build_tree(scale="fedora")
            print(
                f"  {summary.directories:,} directories, {summary.files:,} files "
                f"in {time.perf_counter() - started:.1f}s",
                flush=True,
            )
        config = work / "bench.toml"
        config.write_text(
            f'data_dir = "{work}"\nlog_dir = "{work / "log"}"\nmaster_prefix = "{master}"\n'
            'log_level = "WARNING"\n',
            encoding="utf-8",
        )
        mm = [sys.executable, "-m", "mirrormanager", "--config", str(config)]
        subprocess.run([*mm, "db", "upgrade"], check=True, stdout=subprocess.DEVNULL)
        # Let directory ctimes fall into the past, as on a real master tree.
        time.sleep(1.1)
        find = ["find", str(master), "-printf", r"%C@ %s %p\n"]
        timed(find, stdout=subprocess.DEVNULL)  # warm the cache like a busy master
        find_s = min(timed(find, stdout=subprocess.DEVNULL) for _ in range(2))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        first_s = timed([*mm, "umdl"], **quiet)
        rescan_s = min(timed([*mm, "umdl"], **quiet) for _ in range(2))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"find -printf (walk + stat everything): {find_s:8.2f} s")
        print(
            f"first full scan:                       {first_s:8.2f} s  "
            f"({first_s / find_s:.2f}x find; goal <= 8x)"
        )
        print(
            f"rescan with no change:                 {rescan_s:8.2f} s  "
            f"({rescan_s / find_s:.2f}x find; goal <= 1.0x)"
        )
        print(f"peak memory of a scan process:         {peak_mb:8.0f} MB (goal < 400 MB)")
        print(f"(cores: {os.cpu_count()}, database: SQLite file)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
