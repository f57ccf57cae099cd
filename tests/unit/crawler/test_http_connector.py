"""The HTTP connector against httpx.MockTransport: verdicts, bounds and redirects."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from mirrormanager.crawler.compare import MasterFile, RepomdGeneration
from mirrormanager.crawler.http import HttpConnector
from mirrormanager.crawler.model import (
    CategoryCheck,
    CrawlError,
    CrawlOptions,
    DirPlan,
    HostPlan,
)

BASE = "http://mirror.example.org/pub/fedora/linux"
REPOMD = b"<repomd>current</repomd>"
OLD_REPOMD = b"<repomd>previous</repomd>"
NOW = 1_800_000_000
HISTORY = (
    RepomdGeneration(hashlib.sha256(REPOMD).hexdigest(), NOW - 600),
    RepomdGeneration(hashlib.sha256(OLD_REPOMD).hexdigest(), NOW - 90_000),
)
REPODATA = DirPlan(1, "updates/41/x86_64/repodata", (MasterFile("repomd.xml", 24, 0),), HISTORY)
PACKAGES = DirPlan(
    2, "updates/41/x86_64/Packages/b", (MasterFile("bash.rpm", 100), MasterFile("b c.rpm", 7))
)
EMPTY = DirPlan(3, "updates/41", ())
DIRS = (REPODATA, PACKAGES, EMPTY)
HOST = HostPlan(1, "mirror.example.org", "site", 2, ())
Handler = Callable[[httpx.Request], httpx.Response]


def files(mapping: dict[str, bytes | int]) -> Handler:
    """A mirror serving `mapping` (path below BASE -> body or a size for HEAD)."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/pub/fedora/linux/")
        if request.url.path.rstrip("/") == "/pub/fedora/linux":
            return httpx.Response(200)
        if path not in mapping:
            return httpx.Response(404)
        value = mapping[path]
        if isinstance(value, int):
            return httpx.Response(200, headers={"Content-Length": str(value)})
        if request.method == "HEAD":
            return httpx.Response(200, headers={"Content-Length": str(len(value))})
        return httpx.Response(200, content=value)

    return handler


GOOD = {
    "updates/41/x86_64/repodata/repomd.xml": REPOMD,
    "updates/41/x86_64/Packages/b/bash.rpm": 100,
    "updates/41/x86_64/Packages/b/b c.rpm": 7,
}


def check(
    handler: Handler, dirs: tuple[DirPlan, ...] = DIRS, **options: object
) -> tuple[CategoryCheck, HttpConnector]:
    settings: dict[str, object] = {"now": NOW, "alternate_window": 86_400, **options}
    opts = CrawlOptions(**settings)  # type: ignore[arg-type]

    connector = HttpConnector(httpx.AsyncClient(transport=httpx.MockTransport(handler)), HOST)

    async def run() -> CategoryCheck:
        try:
            return await connector.check(BASE, dirs, opts, lambda level, message: None)
        finally:
            await connector.aclose()

    return asyncio.run(run()), connector


def test_an_up_to_date_mirror() -> None:
    result, connector = check(files(GOOD))
    assert result.verdicts == {1: True, 2: True, 3: True}
    assert result.repomd == {1: "current"}
    # base HEAD + repomd GET + two HEADs; the empty directory costs nothing.
    assert connector.requests == 4


def test_missing_files_and_size_mismatch() -> None:
    missing = {k: v for k, v in GOOD.items() if not k.endswith("bash.rpm")}
    assert check(files(missing))[0].verdicts[2] is False
    wrong_size = GOOD | {"updates/41/x86_64/Packages/b/b c.rpm": 8}
    assert check(files(wrong_size))[0].verdicts[2] is False
    no_repomd = {k: v for k, v in GOOD.items() if "repomd" not in k}
    result = check(files(no_repomd))[0]
    assert result.verdicts[1] is False and result.repomd[1] == "older"


def test_stale_repomd_and_alternate_window() -> None:
    stale = GOOD | {"updates/41/x86_64/repodata/repomd.xml": b"<repomd>ancient</repomd>"}
    result = check(files(stale))[0]
    assert result.verdicts[1] is False and result.repomd[1] == "older"
    previous = GOOD | {"updates/41/x86_64/repodata/repomd.xml": OLD_REPOMD}
    # The current one appeared 600 s ago: serving the previous one is still acceptable...
    within = check(files(previous))[0]
    assert within.verdicts[1] is True and within.repomd[1] == "one_behind"
    # ...but not once the window (here 300 s) has passed.
    outside = check(files(previous), alternate_window=300)[0]
    assert outside.verdicts[1] is False


def test_repodata_only_skips_other_directories() -> None:
    result, connector = check(files(GOOD), repodata_only=True)
    assert result.verdicts == {1: True}
    assert connector.requests == 2


def test_redirect_within_host_is_followed_but_not_to_another_host() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/moved/"):
            moved = str(request.url).replace("/moved", "")
            return files(GOOD)(httpx.Request(request.method, moved))
        if "Packages" in request.url.path and request.url.host == "mirror.example.org":
            return httpx.Response(302, headers={"Location": "/moved" + request.url.path})
        return files(GOOD)(request)

    assert check(handler)[0].verdicts[2] is True

    def elsewhere(request: httpx.Request) -> httpx.Response:
        if "Packages" in request.url.path:
            if request.url.host != "mirror.example.org":
                raise AssertionError("the crawler followed a cross-host redirect")
            return httpx.Response(302, headers={"Location": "http://evil.example.com/x.rpm"})
        return files(GOOD)(request)

    assert check(elsewhere)[0].verdicts[2] is None


def test_base_redirect_to_another_host_fails_the_category() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://other.example.net/"})

    with pytest.raises(CrawlError, match="another host"):
        check(handler)


def test_oversized_body_is_refused() -> None:
    big = GOOD | {"updates/41/x86_64/repodata/repomd.xml": b"x" * 5000}
    with pytest.raises(CrawlError, match="exceeds 1000"):
        check(files(big), max_response_bytes=1000)

    def endless(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("repomd.xml"):

            async def chunks() -> AsyncIterator[bytes]:
                while True:
                    yield b"y" * 100

            return httpx.Response(200, content=chunks())  # no Content-Length
        return files(GOOD)(request)

    with pytest.raises(CrawlError, match="larger than 1000"):
        check(endless, max_response_bytes=1000)


def test_timeouts_and_refusals_fail_the_category() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(CrawlError, match="timed out"):
        check(slow)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(CrawlError, match="ConnectError"):
        check(refused)


def test_server_errors_are_unknown_not_stale() -> None:
    def flaky(request: httpx.Request) -> httpx.Response:
        if "Packages" in request.url.path:
            return httpx.Response(503)
        return files(GOOD)(request)

    assert check(flaky)[0].verdicts[2] is None


def test_base_directory_missing_fails_the_category() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    with pytest.raises(CrawlError, match="404"):
        check(handler)


def test_last_modified_older_than_master_is_stale() -> None:
    dirs = (DirPlan(5, "iso", (MasterFile("a.iso", 10, NOW),)),)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("a.iso"):
            return httpx.Response(
                200,
                headers={"Content-Length": "10", "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
            )
        return httpx.Response(200)

    assert check(handler, dirs)[0].verdicts[5] is False


def test_base_directory_refusing_head_is_checked_with_get() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.rstrip("/") == "/pub/fedora/linux" and request.method == "HEAD":
            return httpx.Response(405)
        return files(GOOD)(request)

    result, connector = check(handler)
    assert result.verdicts == {1: True, 2: True, 3: True}
    assert connector.requests == 5
