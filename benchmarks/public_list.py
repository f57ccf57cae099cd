"""Public mirror list benchmark (issue 6): requests per second served from the page cache.

Builds a mirror network of Fedora's shape (1,000 hosts of which ~450 active, two
products, 50 versions; fewer directories than production so it builds in seconds), starts
the web application under a real WSGI server (granian, 2 workers), measures the first
(uncached) render of /mirrors, then loads the cached page with `wrk` (or a Python
keep-alive load generator when wrk is missing). Goal: ≥ 2,000 requests/s.

    python benchmarks/public_list.py [--duration 10] [--connections 32] [--app full|public]

`--app full` (default when importable) is the admin web app with the public blueprint
registered; `public` is a bare Flask app with only the blueprint.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

APP_MODULE = """
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.settings import Settings

URL = {url!r}
KIND = {kind!r}

if KIND == "full":
    from mirrormanager.web.app import create_app

    app = create_app(Settings(database_url=URL, data_dir={data!r}, secret_key="bench"))
else:
    from flask import Flask
    from jinja2 import ChoiceLoader, DictLoader
    from mirrormanager.web.public.views import bp

    app = Flask("bench")
    base = ("<!doctype html><html><head><title>{{% block title %}}{{% endblock %}}</title>"
            "{{% block head %}}{{% endblock %}}</head><body>{{% block content %}}{{% endblock %}}"
            "</body></html>")
    app.jinja_loader = ChoiceLoader([DictLoader({{"base.html": base}})])
    app.extensions["mm_session_factory"] = make_session_factory(make_engine(URL))
    app.register_blueprint(bp)
"""


def build_database(work: Path, url: str) -> None:
    from mirrormanager.db.session import make_engine
    from mirrormanager.demo.world import DemoWorld
    from mirrormanager.settings import Settings

    engine = make_engine(url)
    world = DemoWorld(work).connect(Settings(), engine)
    world.migrate()
    counts = world.fill_fedora_scale(
        hosts=1000,
        repositories=600,
        directories=3000,
        host_netblocks=1000,
        asn_rows=1000,
        file_details_per_repo=1,
    )
    world.session.close()
    engine.dispose()
    print(
        f"database: {counts.get('host', 0):,} hosts, {counts.get('repository', 0):,} "
        f"repositories, {counts.get('host_category_dir', 0):,} host directories"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_load(host: str, port: int, path: str, seconds: float, connections: int) -> float:
    done = [0] * connections
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while time.monotonic() < stop:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--app", choices=("full", "public"), default=None)
    parser.add_argument("--path", default="/mirrors")
    args = parser.parse_args()
    kind = args.app
    if kind is None:
        try:
            import mirrormanager.web.app  # noqa: F401

            kind = "full"
        except ImportError:
            kind = "public"
    work = Path(tempfile.mkdtemp(prefix="mm-public-bench-"))
    server = None
    try:
        url = f"sqlite:///{work / 'mm.sqlite'}"
        start = time.perf_counter()
        build_database(work, url)
        print(f"built in {time.perf_counter() - start:.0f}s; app: {kind}")
        (work / "bench_app.py").write_text(
            textwrap.dedent(APP_MODULE.format(url=url, kind=kind, data=str(work))), "utf-8"
        )
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "granian"),
                "--interface",
                "wsgi",
                "--workers",
                str(args.workers),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "bench_app:app",
            ],
            cwd=work,
            env={**os.environ, "PYTHONPATH": str(work)},
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/public-static/public.css", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        # Each worker process has its own cache: warm them all, time the first render.
        start = time.perf_counter()
        body = urllib.request.urlopen(base + args.path, timeout=120).read()
        cold = time.perf_counter() - start
        hosts = len(re.findall(rb"<td class=\"num\" data-value=", body))
        for _ in range(args.workers * 8):
            urllib.request.urlopen(base + args.path, timeout=120).read()
        print(
            f"first (uncached) render of {args.path}: {cold:.2f}s, {len(body):,} bytes, "
            f"{hosts} mirrors"
        )
        cpus = len(os.sched_getaffinity(0))
        if shutil.which("wrk"):
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{int(args.duration)}s",
                    base + args.path,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            found = re.search(r"Requests/sec:\s+([\d.]+)", out)
            rate = float(found.group(1)) if found else 0.0
            latency = re.search(r"Latency\s+(\S+)", out)
            average = latency.group(1) if latency else "?"
            tool = f"wrk, {args.connections} connections, latency avg {average}"
        else:
            rate = python_load("127.0.0.1", port, args.path, args.duration, args.connections)
            tool = f"python load generator, {args.connections} connections"
        print(
            f"cached {args.path}: {rate:,.0f} requests/s ({tool}; {args.workers} granian "
            f"workers; {cpus} CPUs, load average {os.getloadavg()[0]:.1f})"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
