"""Full HTTP crawls judge directories from the mirror's copy of the fullfiletimelist."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

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
    MasterTimelist,
)
from mirrormanager.crawler.plan import master_timelist
from mirrormanager.formats.timelist import MAX_LINE, TimelistReader
from tests.timelists import write_timelist

BASE = "http://mirror.example.org/pub/fedora/linux"
LIST_PATH = "/pub/fedora/fullfiletimelist-fedora"  # in the category top's parent
REPOMD = b"<repomd>current</repomd>"
NOW = 1_800_000_000
REPODATA = DirPlan(
    1,
    "updates/41/x86_64/repodata",
    (MasterFile("repomd.xml", len(REPOMD)),),
    (RepomdGeneration(hashlib.sha256(REPOMD).hexdigest(), NOW - 600),),
)
PACKAGES = DirPlan(
    2, "updates/41/x86_64/Packages/b", (MasterFile("bash.rpm", 100), MasterFile("b c.rpm", 7))
)
ISO = DirPlan(3, "releases/41/iso", (MasterFile("netinst.iso", 5000),))
EMPTY = DirPlan(4, "updates/41", ())
DIRS = (REPODATA, PACKAGES, ISO, EMPTY)
HOST = HostPlan(1, "mirror.example.org", "site", 2, ())
Handler = Callable[[httpx.Request], httpx.Response]


def timelist_text(files: dict[str, int], prefix: str = "linux/") -> bytes:
    parts = [path.split("/")[:-1] for path in files]
    dirs = sorted({"/".join(p[:n]) for p in parts for n in range(1, len(p) + 1)})
    lines = ["[Version]", "2", "", "[Files]"]
    lines += [f"{NOW}\td\t0\t{prefix}{d}" for d in dirs]
    lines += [f"{NOW}\tf\t{size}\t{prefix}{path}" for path, size in sorted(files.items())]
    lines += ["", "[Checksums SHA1]", "da39a3ee5e6b4b0d3255bfef95601890afd80709\tx", "[End]", ""]
    return "\n".join(lines).encode()


MASTER_FILES = {
    "updates/41/x86_64/repodata/repomd.xml": len(REPOMD),
    "updates/41/x86_64/Packages/b/bash.rpm": 100,
    "updates/41/x86_64/Packages/b/b c.rpm": 7,
    "releases/41/iso/netinst.iso": 5000,
    "releases/41/iso/other-the-plan-does-not-know.iso": 1,
}
MASTER_LIST = timelist_text(MASTER_FILES)
WANTED = frozenset(
    {"updates/41/x86_64/Packages/b", "releases/41/iso", "updates/41"}
    | {f"{d.path}/{f.name}" for d in (PACKAGES, ISO) for f in d.files}
)
TIMELIST = MasterTimelist(
    name="fullfiletimelist-fedora",
    prefix="linux/",
    sha256=hashlib.sha256(MASTER_LIST).hexdigest(),
    size=len(MASTER_LIST),
    wanted=WANTED,
)


def mirror(listing: bytes | int | None, files: dict[str, int] = MASTER_FILES) -> Handler:
    """A mirror serving `files` below BASE and `listing` (None: 404, int: that status)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == LIST_PATH:
            if listing is None:
                return httpx.Response(404)
            if isinstance(listing, int):
                return httpx.Response(listing)
            return httpx.Response(200, content=listing)
        if request.url.path.rstrip("/") == "/pub/fedora/linux":
            return httpx.Response(200)
        path = request.url.path.removeprefix("/pub/fedora/linux/")
        if path not in files:
            return httpx.Response(404)
        if path.endswith("repomd.xml"):
            return httpx.Response(200, content=REPOMD)
        return httpx.Response(200, headers={"Content-Length": str(files[path])})

    return handler


def check(
    handler: Handler,
    timelist: MasterTimelist | None = TIMELIST,
    **options: object,
) -> tuple[CategoryCheck, int, list[str]]:
    """Verdicts, request count and the requests as 'METHOD path'."""
    seen: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return handler(request)

    settings: dict[str, object] = {"now": NOW, **options}
    opts = CrawlOptions(**settings)  # type: ignore[arg-type]
    transport = httpx.MockTransport(recording)
    connector = HttpConnector(httpx.AsyncClient(transport=transport), HOST)

    async def run() -> CategoryCheck:
        try:
            return await connector.check(
                BASE, DIRS, opts, lambda level, message: None, timelist=timelist
            )
        finally:
            await connector.aclose()

    result = asyncio.run(run())
    return result, connector.requests, seen


def heads(seen: list[str]) -> list[str]:
    return [r for r in seen if r.startswith("HEAD")]


def test_identical_list_needs_only_the_repomd_checks() -> None:
    result, requests, seen = check(mirror(MASTER_LIST))
    assert result.verdicts == {1: True, 2: True, 3: True, 4: True}
    assert result.repomd == {1: "current"}
    assert requests == 2
    assert sorted(seen) == sorted(
        [f"GET {LIST_PATH}", "GET /pub/fedora/linux/updates/41/x86_64/repodata/repomd.xml"]
    )


def test_identical_list_does_not_hide_a_stale_repomd() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("repomd.xml"):
            return httpx.Response(200, content=b"<repomd>old</repomd>")
        return mirror(MASTER_LIST)(request)

    result, requests, _ = check(handler)
    assert result.verdicts == {1: False, 2: True, 3: True, 4: True}
    assert result.repomd == {1: "older"}
    assert requests == 2


def test_differing_list_detects_stale_directories_without_heads() -> None:
    old = dict(MASTER_FILES)
    del old["updates/41/x86_64/Packages/b/bash.rpm"]  # not synced yet
    old["releases/41/iso/other-the-plan-does-not-know.iso"] = 2  # irrelevant difference
    result, requests, seen = check(mirror(timelist_text(old), files=old))
    assert result.verdicts == {1: True, 2: False, 3: True, 4: True}
    assert requests == 2
    assert heads(seen) == []


def test_differing_list_wrong_size_or_missing_directory_is_stale() -> None:
    resized = MASTER_FILES | {"releases/41/iso/netinst.iso": 4999}
    assert check(mirror(timelist_text(resized)))[0].verdicts[3] is False
    no_iso = {k: v for k, v in MASTER_FILES.items() if "iso" not in k}
    result, _, seen = check(mirror(timelist_text(no_iso)))
    assert result.verdicts == {1: True, 2: True, 3: False, 4: True}
    assert heads(seen) == []


def test_list_in_the_category_top() -> None:
    listing = timelist_text(MASTER_FILES, prefix="")
    timelist = TIMELIST.__class__(
        "fullfiletimelist-epel", "", hashlib.sha256(listing).hexdigest(), len(listing), WANTED
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/pub/fedora/linux/fullfiletimelist-epel":
            return httpx.Response(200, content=listing)
        if request.url.path == LIST_PATH:
            raise AssertionError("the list is in the top, not its parent")
        return mirror(None)(request)

    result, requests, _ = check(handler, timelist)
    assert result.verdicts == {1: True, 2: True, 3: True, 4: True}
    assert requests == 2


def test_missing_list_falls_back_to_heads() -> None:
    for status in (None, 403, 500):
        result, requests, seen = check(mirror(status))
        assert result.verdicts == {1: True, 2: True, 3: True, 4: True}
        # list GET + base HEAD + repomd GET + 3 file HEADs
        assert requests == 6
        assert len(heads(seen)) == 4


def test_oversized_list_falls_back_without_failing() -> None:
    result, requests, seen = check(mirror(MASTER_LIST), max_response_bytes=200)
    assert result.verdicts == {1: True, 2: True, 3: True, 4: True}
    assert requests == 6 and len(heads(seen)) == 4

    def endless(request: httpx.Request) -> httpx.Response:
        if request.url.path == LIST_PATH:

            async def chunks() -> AsyncIterator[bytes]:
                while True:
                    yield b"1\tf\t1\tlinux/x\n" * 100

            return httpx.Response(200, content=chunks())  # no Content-Length
        return mirror(None)(request)

    result, requests, _ = check(endless, max_response_bytes=10_000)
    assert result.verdicts == {1: True, 2: True, 3: True, 4: True}
    assert requests == 6


@pytest.mark.parametrize(
    "garbage",
    [
        b"<html><body>Not here, but 200 anyway</body></html>",
        bytes(range(256)) * 40,
        b"\n".join([b"[Files]"] + [b"nonsense line"] * 50),
        timelist_text(MASTER_FILES, prefix="other/"),  # a list of something else
        b"",
    ],
)
def test_garbage_list_falls_back_without_crashing(garbage: bytes) -> None:
    result, requests, seen = check(mirror(garbage))
    assert result.verdicts == {1: True, 2: True, 3: True, 4: True}
    assert requests == 6 and len(heads(seen)) == 4


def test_transport_error_on_the_list_fails_the_category() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(CrawlError, match="timed out"):
        check(handler)


def test_repodata_only_and_disabled_lists_never_fetch_it() -> None:
    _, requests, seen = check(mirror(MASTER_LIST), repodata_only=True)
    assert requests == 2 and f"GET {LIST_PATH}" not in seen
    _, requests, seen = check(mirror(MASTER_LIST), use_timelist=False)
    assert requests == 5 and f"GET {LIST_PATH}" not in seen


def test_reader_gives_the_same_entries_whatever_the_chunks() -> None:
    whole = TimelistReader("linux/")
    whole.feed(MASTER_LIST)
    whole.close()
    assert whole.valid and whole.entries["releases/41/iso/netinst.iso"] == ("f", NOW, 5000)
    assert whole.entries["updates"] == ("d", NOW, 0)
    bytewise = TimelistReader("linux/", wanted={"releases/41/iso/netinst.iso"})
    for byte in MASTER_LIST:
        bytewise.feed(bytes([byte]))
    bytewise.close()
    assert bytewise.entries == {"releases/41/iso/netinst.iso": ("f", NOW, 5000)}
    assert (bytewise.understood, bytewise.matched) == (whole.understood, whole.matched)


def test_reader_skips_overlong_and_broken_lines() -> None:
    reader = TimelistReader("")
    reader.feed(b"[Files]\n1\tf\t2\ta\n" + b"x" * (MAX_LINE + 10))
    reader.feed(b"y" * 100 + b"\n1\tf\t3\tb\nbad\n1\tf\tNaN\tc")
    reader.close()
    assert reader.entries == {"a": ("f", 1, 2), "b": ("f", 1, 3)}
    assert reader.garbage == 3
    assert reader.valid  # a few odd lines are tolerated


def test_master_timelist_is_found_and_hashed(tmp_path: Path) -> None:
    top = tmp_path / "pub" / "fedora" / "linux"
    (top / "releases" / "41" / "iso").mkdir(parents=True)
    (top / "releases" / "41" / "iso" / "netinst.iso").write_bytes(b"x" * 5000)
    listing = tmp_path / "pub" / "fedora" / "fullfiletimelist-fedora"
    write_timelist(str(top), str(listing), prefix="linux/")
    found = master_timelist(str(top), DIRS)
    assert found is not None
    assert found.name == "fullfiletimelist-fedora" and found.prefix == "linux/"
    assert found.sha256 == hashlib.sha256(listing.read_bytes()).hexdigest()
    assert found.wanted == WANTED  # repodata directories are never judged from a list
    assert master_timelist(str(tmp_path / "elsewhere"), DIRS) is None
