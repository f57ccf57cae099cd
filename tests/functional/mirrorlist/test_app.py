"""The mirrorlist ASGI app in-process: every parameter and error path of mirrorlist.md."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import defusedxml.ElementTree as ET
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mirrormanager.core.snapshot_model import Snapshot
from mirrormanager.demo.geoip import write_country_mmdb
from mirrormanager.mirrorlist.app import MirrorlistApp, ServerConfig
from tests.compiled_modules import require
from tests.data import snapshots as data

T = TypeVar("T")
NOW = 1_730_001_060.0
CONTROL = re.compile("[\x00-\x1f\x7f]")
PROXY = "127.0.0.1"  # a trusted proxy: its ip= is believed
NS = "{http://www.metalinker.org/}"
SNAPSHOTS: dict[bytes, Snapshot] = {b"v7": data.build(serial=7), b"v8": data.build(serial=8)}


def decoder(raw: bytes) -> Snapshot:
    """Stands in for the codec: files name a prebuilt snapshot; anything else is corrupt."""
    return SNAPSHOTS[raw]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def geoip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geo") / "country.mmdb"
    return write_country_mmdb(path, {"81.0.0.0/8": "DE", "8.8.0.0/16": "US", "175.0.0.0/8": "KP"})


def make_app(tmp_path: Path, geoip: Path, **config: Any) -> MirrorlistApp:
    tmp_path.mkdir(parents=True, exist_ok=True)
    snapshot = tmp_path / "mirrorlist.snapshot"
    if not snapshot.exists():
        snapshot.write_bytes(b"v7")
    options: dict[str, Any] = {
        "snapshot_path": snapshot,
        "geoip_path": str(geoip),
        "access_log": tmp_path / "access.log",
        "reload_seconds": 0.05,
        "trusted_proxies": ("10.0.0.0/8", "127.0.0.0/8"),
    }
    options.update(config)
    return MirrorlistApp(
        ServerConfig(**options), rng=random.Random(3), decoder=decoder, clock=lambda: NOW
    )


Body = Callable[[httpx.AsyncClient], Coroutine[Any, Any, Any]]


async def session(app: MirrorlistApp, body: Body, peer: str = "81.1.1.1") -> Any:
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app, client=(peer, 4242))
        async with httpx.AsyncClient(transport=transport, base_url="http://mm") as client:
            return await body(client)
    finally:
        await app.shutdown()


def get(app: MirrorlistApp, url: str, peer: str = "81.1.1.1", **kw: Any) -> httpx.Response:
    async def body(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(url, **kw)

    return run(session(app, body, peer))


@pytest.fixture
def app(tmp_path: Path, geoip: Path) -> MirrorlistApp:
    return make_app(tmp_path, geoip)


def test_mirrorlist_by_geoip_country(app: MirrorlistApp) -> None:
    r = get(app, "/mirrorlist?repo=fedora-41&arch=x86_64")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[0] == "# repo = fedora-41 arch = x86_64 country = DE continent = EU"
    assert set(lines[1:3]) == {
        "https://de1.example/fedora/linux/releases/41/Everything/x86_64/os/",
        "http://de2.example/fedora/releases/41/Everything/x86_64/os/",
    }
    assert len(lines) == 6  # DE x2, then AT, FR, NL


def test_prefix_and_protocol_and_country_and_time(app: MirrorlistApp) -> None:
    r = get(app, "/pub/mirrorlist?repo=fedora-41&arch=x86_64&country=at&protocol=ftp&time=1")
    assert r.text == (
        "# repo = fedora-41 arch = x86_64 country = AT\n"
        "# mirrorlist created 2024-10-27T03:50:00Z (1730001000)\n"
        "ftp://at3.example/fedora/releases/41/Everything/x86_64/os/\n"
    )


def test_ip_parameter_netblock_and_netblock_0(app: MirrorlistApp) -> None:
    url = "/mirrorlist?repo=fedora-41&arch=x86_64&ip=192.0.2.7"
    r = get(app, url, peer=PROXY)
    assert (
        r.text.splitlines()[1] == "https://corp5.example/fedora/releases/41/Everything/x86_64/os/"
    )
    assert "Using preferred netblock" in r.text.splitlines()[0]
    r = get(app, url + "&netblock=0", peer=PROXY)
    assert "corp5" not in r.text


def test_redirect(app: MirrorlistApp) -> None:
    r = get(app, "/mirrorlist?repo=fedora-41&arch=x86_64&country=US&redirect=1")
    assert r.status_code == 302
    assert (
        r.headers["location"]
        == "https://us4.example/pub/fedora/linux/releases/41/Everything/x86_64/os/"
    )
    r = get(app, "/mirrorlist?repo=fedora-41&arch=x86_64&country=AT&protocol=ftp,rsync&redirect=1")
    assert r.status_code == 404
    assert r.text == "# error: no http or https mirror to redirect to\n"


def test_metalink(app: MirrorlistApp) -> None:
    r = get(app, "/metalink?repo=fedora-rawhide&arch=x86_64&country=AT")
    assert r.status_code == 200 and r.headers["content-type"] == "application/metalink+xml"
    root = ET.fromstring(r.content)
    urls = [(u.get("protocol"), u.get("preference"), u.text) for u in root.iter(NS + "url")]
    base = "at3.example/fedora/development/rawhide/Everything/x86_64/os/repodata/repomd.xml"
    assert urls == [
        ("https", "100", "https://" + base),
        ("ftp", "100", "ftp://" + base),
        ("rsync", "100", "rsync://" + base),
    ]
    assert root.find(f"{NS}files/{NS}file/{NS}size").text == "4321"


def test_path_requests(app: MirrorlistApp) -> None:
    r = get(app, f"/mirrorlist?path=/{data.ISO_DIR}//Fedora-41.iso&country=US")
    assert r.text == (
        f"# path = {data.ISO_DIR}/Fedora-41.iso country = US\n"
        "https://us4.example/pub/fedora/linux/releases/41/Workstation/x86_64/iso/Fedora-41.iso\n"
    )
    r = get(app, f"/metalink?path={data.ISO_DIR}/Fedora-41.iso&country=US")
    file_ = ET.fromstring(r.content).find(f"{NS}files/{NS}file")
    assert file_.get("name") == "Fedora-41.iso"
    r = get(app, "/mirrorlist?path=pub/nowhere")
    assert (r.status_code, r.text) == (404, "# path = pub/nowhere error: invalid path\n")


def test_errors_exact(app: MirrorlistApp) -> None:
    r = get(app, "/mirrorlist")
    assert (r.status_code, r.text) == (
        400,
        "# either path=, or repo= and arch= must be specified\n",
    )
    r = get(app, "/mirrorlist?repo=nope&arch=x86_64")
    assert r.status_code == 404
    assert r.text == (
        "# repo = nope arch = x86_64 error: invalid repo or arch\n"
        "# repo=fedora-40&arch=x86_64\n"
        "# repo=fedora-41&arch=x86_64\n"
        "# repo=fedora-source-41&arch=source\n"
        "# repo=rawhide&arch=x86_64\n"
    )
    r = get(app, "/mirrorlist?repo=fedora-40&arch=x86_64")
    assert (r.status_code, r.text) == (404, "# repo = fedora-40 arch = x86_64\n# repo disabled\n")
    r = get(app, "/mirrorlist?repo=fedora-41&arch=x86_64&ip=300.1.1.1", peer=PROXY)
    assert (r.status_code, r.text) == (400, "# error: invalid client address: 300.1.1.1\n")
    r = get(app, "/nothing-here")
    assert (r.status_code, r.text) == (404, "# error: not found\n")
    r = get(app, "/mirrorlist?" + "x=1&" * 2000)
    assert r.status_code == 400


def test_metalink_errors_are_metalinks(app: MirrorlistApp) -> None:
    for query, status, message in [
        ("", 400, "# either path=, or repo= and arch= must be specified"),
        ("repo=nope&arch=x86_64", 404, "# repo = nope arch = x86_64 error: invalid repo or arch"),
        ("repo=fedora-40&arch=x86_64", 404, "# repo = fedora-40 arch = x86_64 # repo disabled"),
        ("path=x/y", 404, "# path = x/y error: invalid path"),
        ("repo=fedora-41&arch=x86_64&ip=nope", 400, "# error: invalid client address: nope"),
    ]:
        r = get(app, "/metalink?" + query, peer=PROXY)
        assert r.status_code == status
        assert r.headers["content-type"] == "application/metalink+xml"
        assert f"<!-- {message} -->" in r.text
        assert ET.fromstring(r.content).tag == NS + "metalink"


def test_embargoed_country_gets_nothing(app: MirrorlistApp) -> None:
    r = get(app, "/mirrorlist?repo=fedora-41&arch=x86_64", peer="175.1.1.1")
    assert r.text == "# repo = fedora-41 arch = x86_64 country = KP embargoed\n"


def test_trusted_proxy_forwarded_for(tmp_path: Path, geoip: Path) -> None:
    url = "/mirrorlist?repo=fedora-41&arch=x86_64"
    headers = {"X-Forwarded-For": "192.0.2.1, 8.8.8.8"}
    trusted = get(make_app(tmp_path, geoip), url, peer="10.1.1.1", headers=headers)
    assert "country = US" in trusted.text.splitlines()[0]  # last entry only
    untrusted = get(make_app(tmp_path, geoip), url, peer="81.1.1.1", headers=headers)
    assert "country = DE" in untrusted.text.splitlines()[0]


def test_no_geoip_database_means_unknown_country(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip, geoip_path=str(tmp_path / "missing.mmdb"))
    r = get(app, "/mirrorlist?repo=fedora-41&arch=x86_64")
    assert r.status_code == 200 and r.text.splitlines()[0].endswith("country = global")


def test_health_snapshot_metrics(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip)

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        await client.get("/mirrorlist?repo=fedora-41&arch=x86_64")
        return [await client.get(p) for p in ("/-/health", "/-/snapshot", "/metrics")]

    health, snap, metrics = run(session(app, body))
    assert (health.status_code, health.text) == (200, "ok\n")
    info = json.loads(snap.text)
    assert info["serial"] == 7 and info["age_seconds"] == 60.0
    assert info["created"] == "2024-10-27T03:50:00Z" and len(info["sha256"]) == 64
    assert 'endpoint="mirrorlist",outcome="ok"} 1' in metrics.text
    assert "mirrorlist_request_seconds_bucket" in metrics.text
    assert "mirrorlist_snapshot_age_seconds" in metrics.text

    empty = make_app(tmp_path / "none", geoip, snapshot_path=tmp_path / "absent")
    assert get(empty, "/-/health").status_code == 503
    assert get(empty, "/-/snapshot").status_code == 503
    r = get(empty, "/mirrorlist?repo=fedora-41&arch=x86_64")
    assert r.status_code == 503 and r.text.startswith("# error:")


def test_access_log_lines(app: MirrorlistApp, tmp_path: Path) -> None:
    async def body(client: httpx.AsyncClient) -> None:
        await client.get("/mirrorlist?repo=fedora-rawhide&arch=x86_64")
        await client.get("/metalink?repo=fedora-41&arch=x86_64&ip=8.8.8.8")
        await client.get("/mirrorlist?path=" + data.ISO_DIR)  # not a repo request
        await client.get("/mirrorlist?repo=nope&arch=x86_64")  # not a valid one

    run(session(app, body))
    lines = (tmp_path / "access.log").read_text().splitlines()
    assert lines == [
        "81.1.1.1\t2024-10-27T03:51:00Z\tDE\trawhide\tx86_64\tmirrorlist",
        # ip= from a peer that is no trusted proxy: ignored, the peer is logged
        "81.1.1.1\t2024-10-27T03:51:00Z\tDE\tfedora-41\tx86_64\tmetalink",
    ]


def test_access_log_writes_addresses_in_their_canonical_form(tmp_path: Path, geoip: Path) -> None:
    """The logged address is the one the answer used, written as `ipaddress` writes it
    (the statistics group by it): IPv4 as given, IPv4-mapped IPv6 as IPv4, IPv6 shortened."""
    app = make_app(tmp_path, geoip)

    async def body(client: httpx.AsyncClient) -> None:
        for ip in ("8.8.4.4", "%208.8.4.5%20", "::ffff:8.8.4.6", "2001:DB8:0:0::1"):
            await client.get(f"/metalink?repo=fedora-41&arch=x86_64&ip={ip}")

    run(session(app, body, peer=PROXY))
    logged = [line.split("\t")[0] for line in (tmp_path / "access.log").read_text().splitlines()]
    assert logged == ["8.8.4.4", "8.8.4.5", "8.8.4.6", "2001:db8::1"]


def test_reload_swaps_without_failures_and_refuses_corrupt(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip)
    snapshot = tmp_path / "mirrorlist.snapshot"

    def replace(content: bytes) -> None:
        temp = tmp_path / "new"
        temp.write_bytes(content)
        temp.replace(snapshot)

    async def serials(client: httpx.AsyncClient) -> int:
        return int(json.loads((await client.get("/-/snapshot")).text)["serial"])

    async def body(client: httpx.AsyncClient) -> tuple[list[int], list[int]]:
        statuses: list[int] = []
        seen: list[int] = []
        for step, content in enumerate([b"v8", b"garbage", b"v7", b""]):
            replace(content)
            for _ in range(40):
                r = await client.get("/metalink?repo=fedora-41&arch=x86_64")
                statuses.append(r.status_code)
                await asyncio.sleep(0.005)
            seen.append(await serials(client))
            assert step >= 0
        app.holder.request_reload()  # what SIGHUP does
        await asyncio.sleep(0.1)
        seen.append(await serials(client))
        return statuses, seen

    statuses, seen = run(session(app, body))
    assert set(statuses) == {200}
    assert seen == [8, 8, 7, 7, 7]  # garbage and the empty file were refused
    assert app.holder.failures >= 2


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "repo",
                    "arch",
                    "path",
                    "country",
                    "netblock",
                    "protocol",
                    "redirect",
                    "ip",
                    "time",
                    "x",
                ]
            ),
            st.text(max_size=30) | st.text(st.sampled_from("ab\x00\n\r\t\x1f\x7f/ "), max_size=6),
        ),
        max_size=8,
    ),
    st.sampled_from(["/mirrorlist", "/metalink", "/a/b/metalink"]),
)
def test_fuzzed_queries_never_fail(
    app: MirrorlistApp, pairs: list[tuple[str, str]], path: str
) -> None:
    loaded = app.holder.current or app.holder.load_now()
    assert loaded

    async def body(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(path, params=pairs)

    async def quick() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("81.1.1.1", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://mm") as client:
            return await body(client)

    r = run(quick())
    assert r.status_code in (200, 302, 400, 404), r.text
    if path.endswith("metalink"):
        ET.fromstring(r.content)
    first: dict[str, str] = {}
    for name, value in pairs:
        first.setdefault(name, value)
    if any(CONTROL.search(name + value) for name, value in first.items()):
        assert r.status_code == 400 and "control character" in r.text
    elif r.status_code == 200 and not path.endswith("metalink"):
        # nothing a client sent can add a line: one header line, then URLs only
        assert all("://" in line for line in r.text.splitlines()[1:] if line[:1] != "#")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300), st.sampled_from(["/mirrorlist", "/metalink", "/x"]))
def test_raw_query_bytes_never_fail(app: MirrorlistApp, query: bytes, path: str) -> None:
    if app.holder.current is None:
        app.holder.load_now()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": [(b"x-forwarded-for", query[:50])],
        "client": ("10.0.0.1", 1),
    }
    run(app(scope, receive, send))
    assert sent[0]["status"] in (200, 302, 400, 404)


def test_hangup_reopens_geoip(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip)
    before = app.geoip
    app.on_hangup()
    assert app.geoip is not before and app.handler.geoip is app.geoip
    assert get(app, "/mirrorlist?repo=fedora-41&arch=x86_64").status_code == 200


def test_ipv6_client_head_and_method(app: MirrorlistApp) -> None:
    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.get("/mirrorlist?repo=fedora-41&arch=x86_64&ip=2001:db8::1"),
            await client.head("/metalink?repo=fedora-41&arch=x86_64"),
            await client.post("/metalink?repo=fedora-41&arch=x86_64"),
        ]

    v6, head, post = run(session(app, body, PROXY))
    assert v6.status_code == 200 and v6.text.splitlines()[0].endswith("country = global")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert (post.status_code, post.text) == (405, "# error: only GET and HEAD\n")


def test_ip_is_honoured_only_from_trusted_proxies(app: MirrorlistApp) -> None:
    url = "/mirrorlist?repo=fedora-41&arch=x86_64&ip=192.0.2.7"  # corp5's private netblock
    r = get(app, url)  # from 81.1.1.1, no proxy: answered for 81.1.1.1 (DE)
    first = r.text.splitlines()[0]
    assert first.startswith("# repo = fedora-41 arch = x86_64 ip= ignored: not from a trusted")
    assert "country = DE" in first and "corp5" not in r.text
    metalink = get(app, url.replace("mirrorlist", "metalink"))
    assert "<!-- ip= ignored: not from a trusted proxy -->" in metalink.text
    assert "corp5" not in metalink.text
    trusted = get(app, url, peer=PROXY)
    assert "corp5" in trusted.text and "ignored" not in trusted.text
    # a trusted proxy's X-Forwarded-For client, then ip= from that proxy
    forwarded = get(app, url, peer="10.1.1.1", headers={"X-Forwarded-For": "8.8.8.8"})
    assert "corp5" in forwarded.text


def test_trusted_proxy_verdicts_are_remembered_per_peer_and_bounded(
    app: MirrorlistApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-peer memo of "is a trusted proxy" never lends one peer's verdict to another,
    and stays bounded however many direct clients there are."""
    from mirrormanager.mirrorlist import app as app_module

    monkeypatch.setattr(app_module, "_MAX_PEERS", 8)
    url = "/mirrorlist?repo=fedora-41&arch=x86_64&ip=192.0.2.7"
    for round_ in range(3):  # alternate trusted and untrusted peers, memo warm or not
        assert "corp5" in get(app, url, peer=PROXY).text
        assert "ignored" in get(app, url, peer=f"81.1.1.{round_ + 1}").text
    for n in range(20):
        get(app, url, peer=f"81.2.2.{n}")
        assert len(app._trusted_peers) <= 8
    assert "corp5" in get(app, url, peer=PROXY).text


@pytest.mark.parametrize("endpoint", ["mirrorlist", "metalink"])
@pytest.mark.parametrize(
    "query",
    [
        "path=pub/x%0Ahttp://evil/",
        "repo=fedora-41%00&arch=x86_64",
        "repo=fedora-41&arch=x86_64&country=DE%09",
        "repo=fedora-41&arch=x86_64&ip=8.8.8.8%7F",
        "repo=fedora-41&arch=x86_64&x%1F=1",
    ],
)
def test_control_characters_are_refused(app: MirrorlistApp, endpoint: str, query: str) -> None:
    r = get(app, f"/{endpoint}?{query}", peer=PROXY)
    assert r.status_code == 400
    assert "contains the control character U+00" in r.text and "remove it" in r.text
    assert "evil" not in r.text
    if endpoint == "metalink":
        assert ET.fromstring(r.content).tag == NS + "metalink"
    else:
        assert r.text.count("\n") == 1


def raw_request(app: MirrorlistApp, path: str, query: bytes) -> tuple[int, bytes]:
    """One GET with the query string exactly as given (httpx would %-encode it)."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query,
             "headers": [], "client": (PROXY, 4242)}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


@pytest.mark.parametrize("parser", ["compiled", "python"])
@pytest.mark.parametrize("endpoint", ["mirrorlist", "metalink"])
@pytest.mark.parametrize(
    "query",
    [
        b"path=pub/x\nhttp://evil/",
        b"repo=fedora-41\x00&arch=x86_64",
        b"repo=fedora-41&arch=x86_64&country=DE\t",
        b"repo=fedora-41&arch=x86_64&ip=8.8.8.8\x7f&ip=8.8.8.8",
        b"repo=fedora-41&arch=x86_64&x\x1f",
    ],
)
def test_raw_control_characters_are_refused(
    app: MirrorlistApp, monkeypatch: pytest.MonkeyPatch, parser: str, endpoint: str, query: bytes
) -> None:
    """Sent raw (not %-encoded), so the plain-query parser finds them, compiled or not."""
    from mirrormanager.mirrorlist import app as app_module
    from mirrormanager.mirrorlist.query import parse_plain_py

    if parser == "python":
        monkeypatch.setattr(app_module, "parse_plain", parse_plain_py)
    else:
        native = require("mirrormanager.mirrorlist._query")
        monkeypatch.setattr(app_module, "parse_plain", native.parse)
    app.holder.load_now()
    status, body = raw_request(app, f"/{endpoint}", query)
    assert status == 400
    assert b"contains the control character U+00" in body and b"remove it" in body
    assert b"evil" not in body
    if endpoint == "metalink":
        assert ET.fromstring(body).tag == NS + "metalink"
    else:
        assert body.count(b"\n") == 1
    # the same query without its control character is answered
    clean = CONTROL.sub("", query.decode("latin-1")).encode("latin-1")
    assert raw_request(app, f"/{endpoint}", clean)[0] in (200, 404)  # 404: path=pub/x…


def test_answers_come_from_the_pools_and_the_background_refreshes_them(
    tmp_path: Path, geoip: Path
) -> None:
    app = make_app(tmp_path, geoip, pool_size=2)

    async def body(client: httpx.AsyncClient) -> list[list[str]]:
        answers = []
        for _ in range(12):
            r = await client.get("/mirrorlist?repo=fedora-41&arch=x86_64")
            answers.append(r.text.splitlines())
        loaded = app.holder.current
        assert loaded is not None and loaded.pools is not None
        assert loaded.pools.hits == 10, "two drawn, then served from the pool"
        draws = loaded.pools.draws
        for _ in range(100):  # the background task redraws what was served
            await asyncio.sleep(0.05)
            if loaded.pools.draws > draws:
                break
        assert loaded.pools.draws > draws
        return answers

    answers = run(session(app, body))
    for lines in answers:  # every answer: the same header and hosts as unpooled
        assert lines[0] == "# repo = fedora-41 arch = x86_64 country = DE continent = EU"
        assert len(lines) == 6
        assert {urlsplit(u).hostname for u in lines[1:3]} == {"de1.example", "de2.example"}


def test_pool_size_zero_draws_every_answer(tmp_path: Path, geoip: Path) -> None:
    app = make_app(tmp_path, geoip, pool_size=0)
    assert get(app, "/mirrorlist?repo=fedora-41&arch=x86_64").status_code == 200
    loaded = app.holder.current
    assert loaded is not None and loaded.pools is not None and loaded.pools.hits == 0
