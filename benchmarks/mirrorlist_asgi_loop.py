"""The whole ASGI call of the mirrorlist app in a loop: general path, express lane.

The server benchmark (`mirrorlist_server.py`) measures requests/s under wrk, which a
shared 2-core machine makes noisy; this one times the app's own work per request, in one
process, without HTTP: the ASGI call with a no-op `send`, driven without an event loop,
over distinct requests of the benchmark's two mixes (a random client address each, as
the wrk script gives them), once the answer pools are full. It prints microseconds of CPU
per request (best of `--repeat` loops) for the general path, the express lane in Python
(`express.answer_py`) and the compiled lane (`_express`, when built), and how many
requests the lane answered.

    python benchmarks/mirrorlist_asgi_loop.py [--requests 60000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from mirrorlist_server import COUNTRIES, geoip_database, synthetic_snapshot

from mirrormanager.formats.snapshot_codec import encode
from mirrormanager.mirrorlist import express
from mirrormanager.mirrorlist.app import MirrorlistApp, ServerConfig

Scope = dict[str, Any]


def scopes(own_country: bool, count: int, seed: int = 42) -> list[Scope]:
    """The wrk script's requests: 80 % metalink, 2 % unknown repos, `ip=` from loopback."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        first = rng.randint(1, 223)
        ip = f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        repo = f"repo-{rng.randrange(5000)}"
        if rng.random() < 0.02:
            repo = f"unknown-{rng.randint(1, 1000)}"
        path = "/mirrorlist" if rng.random() < 0.2 else "/metalink"
        query = f"repo={repo}&arch=x86_64&ip={ip}"
        if own_country:
            query += f"&country={COUNTRIES[first % len(COUNTRIES)]}"
        out.append(
            {
                "type": "http",
                "method": "GET",
                "path": path,
                "query_string": query.encode(),
                "client": ("127.0.0.1", 5555),
                "headers": [(b"host", b"mirrors")],
            }
        )
    return out


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


def run(app: MirrorlistApp, requests: list[Scope]) -> None:
    for scope in requests:
        call = app(scope, _receive, _send)
        try:  # noqa: SIM105 - suppress() would add its own cost to every request
            call.send(None)  # nothing awaits for real: one step finishes the call
        except StopIteration:
            pass


def measure(app: MirrorlistApp, requests: list[Scope], repeat: int) -> float:
    """Microseconds of CPU per request, the least of `repeat` loops."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run(app, requests)
        best = min(best, time.process_time() - started)
        app.access_log._buffer.clear()  # the server flushes it every second
    return best / len(requests) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60_000, help="distinct requests a mix")
    parser.add_argument("--repeat", type=int, default=5, help="loops; the least is printed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mm-asgi-loop-"))
    geoip = geoip_database(work)
    snapshot = work / "snapshot.snap"
    snapshot.write_bytes(encode(synthetic_snapshot(50_000)))
    config = ServerConfig(
        snapshot,
        str(geoip),
        access_log=work / "access.log",
        trusted_proxies=("127.0.0.0/8",),
    )
    compiled_lane = express.answer if express.answer is not express.answer_py else None
    lanes: dict[str, tuple[bool, Callable[..., Any] | None]] = {
        "general path": (False, None),
        "express lane, Python": (True, express.answer_py),
    }
    if compiled_lane is not None:
        lanes["express lane, C"] = (True, compiled_lane)
    print(f"{args.requests} distinct requests a mix, least of {args.repeat} loops")
    for own in (True, False):
        requests = scopes(own, args.requests)
        label = "own-country" if own else "full"
        for name, (on, lane) in lanes.items():
            if lane is not None:
                express.answer = lane
            app = MirrorlistApp(config, rng=random.Random(3), express_lane=on)
            app.holder.load_now()
            run(app, requests)  # fills the answer pools and the kept look-ups
            run(app, requests)
            sample = requests[:5000] if on else []
            answered = sum(express.answer(app, s) is not None for s in sample) / 50
            cost = measure(app, requests, args.repeat)
            share = f"  (the lane answers {answered:.1f} %)" if on else ""
            print(f"{label:>12} mix, {name:<22} {cost:6.1f} us per request{share}")


if __name__ == "__main__":
    main()
