"""The compiled express lane (`_express.c`) against its reference, `express.answer_py`.

Two apps built alike (same snapshot, GeoIP database, proxies, seeded rng, clock) are
warmed alike through the general path; then one answers a request stream with the C
lane and the other with the Python one. Their answers, random draws, pool counters,
access-log buffers and metrics must stay equal request after request."""

from __future__ import annotations

import asyncio
import bisect
import gc
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.demo.geoip import write_country_mmdb
from mirrormanager.formats import metalink
from mirrormanager.mirrorlist import accesslog, express
from mirrormanager.mirrorlist.app import MirrorlistApp, ServerConfig
from mirrormanager.mirrorlist.metrics import BUCKETS
from tests.app_state import state
from tests.compiled_modules import require
from tests.data import snapshots as data

native = require("mirrormanager.mirrorlist._express")

SNAPSHOT = data.build(serial=7)
NETWORKS = {"81.0.0.0/8": "DE", "8.8.0.0/16": "US", "175.0.0.0/8": "KP", "100.0.0.0/8": "FR"}
PEERS = ["127.0.0.1"] * 4 + [
    "81.1.1.1",
    "8.8.4.4",
    "100.64.0.9",
    "203.0.113.9",
    "175.0.0.1",
    "192.0.2.1",
    "2001:db8::5",
    "",
]
ADDRESSES = [
    "81.2.3.4",
    "8.8.8.8",
    "100.64.1.2",
    "203.0.113.5",
    "175.1.1.1",
    "192.0.2.7",
    "81.200.0.1",
    "100.1.2.3",
]
ODD_ADDRESSES = [
    "01.2.3.4",
    "1.2.3",
    " 1.2.3.4",
    "1.2.3.4 ",
    "2001:db8::1",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.\xb3",
    "1..2.3",
    "81.2.3.04",
    "",
    "0.0.0.0",
]
REPOS = [("fedora-41", "x86_64")] * 4 + [
    ("rawhide", "x86_64"),
    ("fedora-source-41", "source"),
    ("fedora-40", "x86_64"),
    ("nope", "x86_64"),
    ("fedora-rawhide", "x86_64"),
    ("fedora-41", ""),
    ("Fedora-41", "x86_64"),
]
COUNTRIES = ["DE", "US", "de", "XX", "DE,US", "global", "KP", "FR", "", "IL"]
EXTRAS = [""] * 8 + [
    "&protocol=https",
    "&foo",
    "&path=x",
    "&repo=other",
    "&ip=%31",
    "&arch=x&",
    "&&",
    "&x=\x01",
]
FORWARDED: list[list[tuple[bytes, bytes]]] = [
    [],
    [],
    [(b"host", b"mm")],
    [(b"x-forwarded-for", b"8.8.8.8")],
    [(b"x-forwarded-for", b"1.1.1.1, 81.2.3.4 ")],
    [(b"x-forwarded-for", b" ,\t")],
    [(b"X-Forwarded-For", b"8.8.8.8")],
    [(b"x-forwarded-for", b"100.64.0.1\xa0")],
    [(b"x-forwarded-for", b"8.8.8.8"), (b"x-forwarded-for", b"81.9.9.9")],
    [(b"x-forwarded-for", b"2001:db8::7")],
]


class Clock:
    """Advances 0.4 s a call: the per-second caches are both hit and missed."""

    def __init__(self) -> None:
        self.now = 1_730_001_060.0

    def __call__(self) -> float:
        self.now += 0.4
        return self.now


@pytest.fixture(scope="module")
def geoip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geo") / "country.mmdb"
    return write_country_mmdb(path, NETWORKS)


def make_app(where: Path, geoip: Path, **config: Any) -> MirrorlistApp:
    where.mkdir(parents=True, exist_ok=True)
    snapshot = where / "mirrorlist.snapshot"
    snapshot.write_bytes(b"v7")
    settings = ServerConfig(
        snapshot_path=snapshot,
        geoip_path=str(geoip),
        access_log=where / "access.log",
        trusted_proxies=("127.0.0.0/8",),
        pool_size=4,
        **config,
    )
    app = MirrorlistApp(
        settings,
        rng=random.Random(11),
        decoder=lambda raw: SNAPSHOT,
        clock=Clock(),
        express_lane=False,
    )
    app.holder.load_now()
    return app


def scopes(seed: int, count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for _ in range(count):
        repo, arch = rng.choice(REPOS)
        query = f"repo={repo}&arch={arch}"
        roll = rng.random()
        if roll < 0.5:
            query += f"&ip={rng.choice(ADDRESSES)}"
        elif roll < 0.6:
            query += f"&ip={rng.choice(ODD_ADDRESSES)}"
        if rng.random() < 0.3:
            query += f"&country={rng.choice(COUNTRIES)}"
        query += rng.choice(EXTRAS)
        peer = rng.choice(PEERS)
        yield {
            "type": "http",
            "method": rng.choice(["GET"] * 8 + ["HEAD", "POST"]),
            "path": rng.choice(
                ["/metalink"] * 3
                + ["/mirrorlist"] * 2
                + ["/x/metalink", "/y", "/\u00e9/mirrorlist"]
            ),
            "query_string": query.encode("latin-1"),
            "client": (peer, 4242) if peer else None,
            "headers": list(rng.choice(FORWARDED)),
        }


def general(app: MirrorlistApp, scope: dict[str, Any]) -> None:
    """The request through the app's general path (express_lane is False)."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    asyncio.run(app(scope, receive, send))


@pytest.mark.parametrize(
    "config", [{}, {"distance_order": False}, {"strict_family": True}], ids=repr
)
def test_the_twins_answer_and_count_alike(
    tmp_path: Path, geoip: Path, config: dict[str, Any]
) -> None:
    compiled, python = (
        make_app(tmp_path / "c", geoip, **config),
        make_app(tmp_path / "py", geoip, **config),
    )
    for scope in scopes(1, 300):  # fill the pools, the GeoIP caches, the proxies' verdicts
        general(compiled, scope)
        general(python, scope)
    answered = {"metalink": 0, "mirrorlist": 0}
    for n, scope in enumerate(scopes(2, 1500)):
        if n % 7 == 0:  # the per-second and per-file caches missed: the helpers are called
            metalink._opened = (-1, b"")
            accesslog._stamped = (-1, "")
        if n % 11 == 0:
            metalink._heads.clear()
            metalink._ends.clear()
        if n % 13 == 0:  # a full access-log buffer counts a dropped line
            compiled.access_log._buffer = ["x\n"] * accesslog._MAX_BUFFERED
            python.access_log._buffer = ["x\n"] * accesslog._MAX_BUFFERED
        made = native.answer(compiled, scope)
        expected = express.answer_py(python, scope)
        assert made == expected, scope
        if made is None:  # the general path moves both apps' state on alike
            general(compiled, scope)
            general(python, scope)
        else:
            answered["metalink" if scope["path"].endswith("metalink") else "mirrorlist"] += 1
            assert type(made[1]["body"]) is bytes
        if n % 13 == 0:
            compiled.access_log._buffer.clear()
            python.access_log._buffer.clear()
        assert state(compiled) == state(python), scope
    if config.get("strict_family"):
        assert answered == {"metalink": 0, "mirrorlist": 0}  # the general path's setting
    else:  # the lane answered a good share of both kinds, not only declined
        assert answered["metalink"] > 80 and answered["mirrorlist"] > 30, answered


def test_untrusted_ip_and_odd_forms_are_declined(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip)
    base = {"type": "http", "method": "GET", "path": "/metalink", "headers": []}
    good = dict(
        base, query_string=b"repo=fedora-41&arch=x86_64&ip=81.2.3.4", client=("127.0.0.1", 1)
    )
    for _ in range(8):
        general(app, good)
    assert native.answer(app, good) is not None  # the pool is full: the lane answers
    for ip in ODD_ADDRESSES:
        scope = dict(good, query_string=f"repo=fedora-41&arch=x86_64&ip={ip}".encode())
        assert native.answer(app, scope) is None, ip
    assert native.answer(app, dict(good, client=("81.1.1.1", 1))) is None  # ip= not believed


HOSTILE: list[dict[str, Any]] = [
    {"path": b"/metalink"},
    {"path": None},
    {"method": b"GET"},
    {"method": None},
    {"query_string": "repo=fedora-41&arch=x86_64&ip=81.2.3.4"},
    {"query_string": None},
    {"query_string": bytearray(b"repo=fedora-41&arch=x86_64&ip=81.2.3.4")},
    {"query_string": b"repo=fedora-41&arch=x86_64&ip=81.2.3.4" + b"&x" * 3000},
    {"client": "127.0.0.1"},
    {"client": 5},
    {"client": (None, 1)},
    {"client": (b"127.0.0.1", 1)},
    {"client": (127, 1)},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": None},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": "x-forwarded-for"},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": [(b"x-forwarded-for",)]},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": [("x-forwarded-for", "8.8.8.8")]},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": [(b"x-forwarded-for", 8)]},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": [[b"x-forwarded-for", b"1"]]},
    {"query_string": b"repo=fedora-41&arch=x86_64", "headers": [None]},
]


COMMON: dict[str, Any] = {
    "type": "http",
    "method": "GET",
    "path": "/metalink",
    "headers": [],
    "query_string": b"repo=fedora-41&arch=x86_64&ip=81.2.3.4",
    "client": ("127.0.0.1", 1),
}


def test_hostile_scopes_are_declined_without_harm(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip)
    good = dict(COMMON)
    for _ in range(8):
        general(app, good)
    assert native.answer(app, good) is not None
    before = state(app)
    for change in HOSTILE:
        assert native.answer(app, {**good, **change}) is None, change
    for missing in ("path", "method", "query_string"):
        assert native.answer(app, {k: v for k, v in good.items() if k != missing}) is None
    assert native.answer(app, [("path", "/metalink")]) is None  # not a dict at all
    assert state(app) == before  # declined before any side effect
    with pytest.raises(TypeError):
        native.answer(app)


def test_references_are_not_leaked(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip)
    scope = dict(COMMON)
    text = dict(scope, path="/mirrorlist", query_string=b"repo=fedora-41&arch=x86_64&ip=8.8.8.8")
    for _ in range(8):
        general(app, scope)
        general(app, text)
    loaded = app.holder.current
    assert loaded is not None
    target = loaded.index.targets.plain[("fedora-41", "x86_64", True)]
    shared = (scope["query_string"], scope["path"], target, target.files, app.handler, loaded)
    for _ in range(50):  # the module's first-call imports and the caches settle
        native.answer(app, scope)
        native.answer(app, text)
    gc.collect()
    before = [sys.getrefcount(x) for x in shared]
    for n in range(500):
        assert native.answer(app, scope) is not None
        assert native.answer(app, text) is not None
        assert native.answer(app, dict(scope, client=(n, 1))) is None
        app.access_log._buffer.clear()
    gc.collect()
    assert [sys.getrefcount(x) for x in shared] == before


PARTS = st.one_of(
    st.integers(0, 300).map(str),
    st.integers(0, 99).map(lambda n: f"0{n}"),
    st.text(alphabet="0123456789. \t\xb3x:", max_size=5),
)


@pytest.fixture(scope="module")
def warm_app(tmp_path_factory: pytest.TempPathFactory, geoip: Path) -> MirrorlistApp:
    app = make_app(tmp_path_factory.mktemp("warm"), geoip)
    scope = dict(COMMON)
    for _ in range(8):
        general(app, scope)
    return app


@settings(max_examples=400, deadline=None)
@given(st.lists(PARTS, min_size=4, max_size=4), st.integers(0, 3))
def test_the_address_forms_are_read_as_ipv4_number_reads_them(
    warm_app: MirrorlistApp, parts: list[str], keep: int
) -> None:
    """An ip= text differing from a cached address in one part: answered by the C lane
    exactly when `ipv4_number` reads it and its block is the cached one."""
    known = ["81", "2", "3", "4"]
    known[keep] = parts[keep]
    text = ".".join(known) if parts[0] != "x" else ".".join(parts)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/metalink",
        "headers": [],
        "query_string": f"repo=fedora-41&arch=x86_64&ip={text}".encode("latin-1"),
        "client": ("127.0.0.1", 1),
    }
    number = express.ipv4_number(text)
    made = native.answer(warm_app, scope)
    warm_app.access_log._buffer.clear()
    if number is None:
        assert made is None
    elif number >> 8 == (81 << 16 | 2 << 8 | 3) or number >> 16 == (81 << 8 | 2):
        assert made is not None  # the cached /24 (or the /16 level of the GeoIP cache)


def test_the_latency_is_counted_in_its_bucket(tmp_path: Path, geoip: Path) -> None:
    """The request's seconds (the sum's growth from 0) land in bisect_left's bucket;
    a clock that waits 3 ms inside the lane's timed span puts them past the first ones."""
    app = make_app(tmp_path, geoip)
    scope = dict(COMMON)
    for _ in range(8):
        general(app, scope)
    ticking = app.clock

    def slow_clock() -> float:
        until = time.perf_counter() + 0.003
        while time.perf_counter() < until:
            pass
        return ticking()

    app.clock = slow_clock
    app.metrics.latency_counts = [0] * (len(BUCKETS) + 1)
    app.metrics.latency_sum = 0.0
    started = time.perf_counter()
    assert native.answer(app, scope) is not None
    elapsed = time.perf_counter() - started
    seconds = app.metrics.latency_sum
    assert 0.003 <= seconds <= elapsed
    expected = [0] * (len(BUCKETS) + 1)
    expected[bisect.bisect_left(BUCKETS, seconds)] = 1
    assert app.metrics.latency_counts == expected
