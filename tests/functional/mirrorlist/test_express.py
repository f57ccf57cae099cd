"""The express lane against the general path: the same answers, draws and counters.

Two apps built alike (same snapshot, GeoIP file, seeds, clock) take the same request
stream, one with the express lane and one without; every response, the random
generator's state, the answer pools' counters, the access log and the metrics must end
equal. Both the compiled lane (when built) and its Python reference are held to it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mirrormanager.demo.geoip import write_country_mmdb
from mirrormanager.mirrorlist import express
from mirrormanager.mirrorlist.app import MirrorlistApp, ServerConfig
from tests.app_state import state
from tests.compiled_modules import require
from tests.functional.mirrorlist.test_app import NOW, decoder

Scope = dict[str, Any]
Messages = list[dict[str, Any]]

PEERS = ("127.0.0.1", "10.9.9.9", "81.1.1.1", "8.8.4.4", "175.1.1.1", "100.64.1.1", "2001:db8::1")
CLIENTS = (
    "81.2.3.4",
    "8.8.8.8",
    "192.0.2.7",
    "198.51.100.200",
    "203.0.113.9",
    "100.64.0.9",
    "175.2.2.2",
    "1.1.1.1",
    "01.2.3.4",
    "1.2.3",
    " 81.2.3.4",
    "2001:db8::7",
    "::ffff:81.2.3.4",
    "",
)
REPOS = ("fedora-41", "fedora-41", "fedora-41", "rawhide", "fedora-rawhide", "fedora-40", "nope")
EXTRAS = ("", "", "", "&country=DE", "&country=at", "&country=US,JP", "&netblock=0", "&x=1")


@pytest.fixture(scope="module")
def geoip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geo") / "country.mmdb"
    return write_country_mmdb(path, {"81.0.0.0/8": "DE", "8.8.0.0/16": "US", "175.0.0.0/8": "KP"})


def requests(seed: int, count: int) -> Iterator[Scope]:
    """A mixed stream: mostly the common request, and every way out of the lane."""
    rng = random.Random(seed)
    for _ in range(count):
        repo, extra = rng.choice(REPOS), rng.choice(EXTRAS)
        query = f"repo={repo}&arch=x86_64{extra}"
        if rng.random() < 0.6:
            query += "&ip=" + rng.choice(CLIENTS)
        if rng.random() < 0.03:
            query = query.replace("arch=", "arch=%78")[:-1] if rng.random() < 0.5 else "repo="
        headers = [(b"host", b"mm")]
        if rng.random() < 0.15:
            headers.append((b"x-forwarded-for", f"9.9.9.9, {rng.choice(CLIENTS)}".encode()))
        yield {
            "type": "http",
            "method": rng.choice(("GET",) * 8 + ("HEAD", "POST")),
            "path": rng.choice(("/metalink", "/mirrorlist", "/pub/metalink", "/mirrorlist/x")),
            "query_string": query.encode(),
            "client": (PEERS[0] if rng.random() < 0.5 else rng.choice(PEERS), 4242),
            "headers": headers,
        }


def make(tmp_path: Path, geoip: Path, *, lane: bool) -> MirrorlistApp:
    tmp_path.mkdir(parents=True, exist_ok=True)
    snapshot = tmp_path / "mirrorlist.snapshot"
    snapshot.write_bytes(b"v7")
    config = ServerConfig(
        snapshot_path=snapshot,
        geoip_path=str(geoip),
        access_log=tmp_path / "access.log",
        trusted_proxies=("10.0.0.0/8", "127.0.0.0/8"),
        pool_size=3,
    )
    app = MirrorlistApp(
        config, rng=random.Random(11), decoder=decoder, clock=lambda: NOW, express_lane=lane
    )
    app.holder.load_now()  # no startup(): its background refresh would draw at random times
    return app


def call(app: MirrorlistApp, scope: Scope) -> Messages:
    sent: Messages = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


@pytest.fixture(params=["compiled", "python"])
def lane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """The lane under test, wrapped to check that a request it leaves has changed nothing."""
    if request.param == "compiled":
        # the built module itself: MIRRORMANAGER_PURE_PYTHON=1 does not hide it from
        # its tests (tests/compiled_modules.py)
        chosen = require("mirrormanager.mirrorlist._express").answer
    else:
        chosen = express.answer_py
    answered: list[bool] = []

    def checked(app: MirrorlistApp, scope: Scope) -> Any:
        before = state(app)
        result = chosen(app, scope)
        answered.append(result is not None)
        if result is None:
            assert state(app) == before, f"the lane left {scope} after changing something"
        return result

    checked.answered = answered  # type: ignore[attr-defined]
    monkeypatch.setattr(express, "answer", checked)
    return checked


def test_the_lane_answers_as_the_general_path(
    tmp_path: Path,
    geoip: Path,
    lane: Callable[..., Any],
) -> None:
    fast = make(tmp_path / "fast", geoip, lane=True)
    slow = make(tmp_path / "slow", geoip, lane=False)
    for n, scope in enumerate(requests(5, 1500)):
        assert call(fast, scope) == call(slow, scope), f"request {n}: {scope}"
        assert state(fast) == state(slow), f"request {n}: {scope}"
    answered = lane.answered  # type: ignore[attr-defined]
    # the stream's common requests: once their classes' pools are full, the lane takes them
    assert sum(answered) > 0.1 * len(answered)  # ~15 %: the stream is mostly odd
    assert not all(answered)


def test_the_lane_takes_the_common_request_and_its_forms(
    tmp_path: Path,
    geoip: Path,
    lane: Callable[..., Any],
) -> None:
    app = make(tmp_path, geoip, lane=True)
    common = {
        "type": "http",
        "method": "GET",
        "path": "/metalink",
        "query_string": b"repo=fedora-41&arch=x86_64",
        "client": ("81.1.1.1", 1),
        "headers": [],
    }
    for _ in range(4):  # the general path resolves, locates and fills the pool (size 3)
        call(app, common)
    answered = lane.answered  # type: ignore[attr-defined]
    assert answered == [False] * 3 + [True]
    start, body = call(app, common)
    assert start["status"] == 200 and b"<url protocol=" in body["body"]
    assert dict(start["headers"])[b"content-length"] == str(len(body["body"])).encode()
    assert answered[-1]
    head = call(app, {**common, "method": "HEAD"})
    assert head[1]["body"] == b"" and answered[-1]
    # a form the general path must answer: nothing the lane keeps says what to do
    for change in (
        {"query_string": b"repo=fedora-41&arch=x86_64&protocol=https"},
        {"query_string": b"repo=fedora-41&arch=x86_64&ip=81.2.2.2"},  # untrusted: a warning
        {"client": ("2001:db8::1", 1)},
        {"client": ("175.1.1.1", 1)},  # embargoed
        {"method": "POST"},
        {"path": "/metalinks"},
    ):
        for _ in range(2):  # the second time, the general path has filled what it could
            call(app, {**common, **change})
            assert not answered[-1], change


@pytest.mark.parametrize(
    "change",
    [
        {"path": None},
        {"path": b"/metalink"},
        {"method": None},
        {"query_string": "repo=fedora-41&arch=x86_64"},
        {"query_string": None},
        {"client": None},
        {"client": (None, 1)},
        {"client": ()},
        {"headers": [(b"x-forwarded-for",)]},
        {"headers": None},
        {"headers": [(None, None)]},
    ],
)
def test_hostile_scopes_never_fail(
    tmp_path: Path,
    geoip: Path,
    lane: Callable[..., Any],
    change: dict[str, Any],
) -> None:
    app = make(tmp_path, geoip, lane=True)
    common = {
        "type": "http",
        "method": "GET",
        "path": "/mirrorlist",
        "query_string": b"repo=fedora-41&arch=x86_64",
        "client": ("10.1.1.1", 1),
        "headers": [(b"x-forwarded-for", b"81.5.5.5")],
    }
    for _ in range(4):
        call(app, common)
    messages = call(app, {**common, **change})
    assert messages[0]["status"] in (200, 400, 404, 405, 503)


def test_a_failing_lane_leaves_the_request_to_the_general_path(
    tmp_path: Path,
    geoip: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(app: MirrorlistApp, scope: Scope) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(express, "answer", broken)
    app = make(tmp_path, geoip, lane=True)
    scope = next(requests(1, 1))
    scope.update(method="GET", path="/mirrorlist", query_string=b"repo=fedora-41&arch=x86_64")
    start, body = call(app, scope)
    assert start["status"] == 200 and body["body"].startswith(b"# repo = fedora-41")
