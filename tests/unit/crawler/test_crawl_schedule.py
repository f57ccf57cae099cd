"""Crawl slots in plan order, light first requests ahead of them, and where a connector
asks for its slot."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
import pytest

from mirrormanager.crawler.compare import MasterFile, RepomdGeneration
from mirrormanager.crawler.http import HttpConnector
from mirrormanager.crawler.model import (
    CategoryPlan,
    CrawlOptions,
    DirPlan,
    HostPlan,
    MasterTimelist,
)
from mirrormanager.crawler.rsync import RsyncConnector
from mirrormanager.crawler.schedule import HostGate, RankedSlots
from mirrormanager.crawler.service import crawl_host

REPOMD = b"<repomd>current</repomd>"
REPODATA = DirPlan(
    1,
    "41/repodata",
    (MasterFile("repomd.xml", len(REPOMD), 0),),
    (RepomdGeneration(hashlib.sha256(REPOMD).hexdigest(), 0),),
)
PACKAGES = DirPlan(2, "41/Packages", (MasterFile("a.rpm", 10),))
BASE = "http://mirror.example.org/pub"


def test_freed_slots_go_to_the_lowest_rank_not_the_first_to_ask() -> None:
    async def scenario() -> list[int]:
        slots = RankedSlots(1)
        await slots.acquire(0)
        served: list[int] = []

        async def want(rank: int) -> None:
            await slots.acquire(rank)
            served.append(rank)
            slots.release()

        tasks = []
        for rank in (5, 3, 9, 1):  # they ask in this order
            tasks.append(asyncio.ensure_future(want(rank)))
            await asyncio.sleep(0)
        slots.release()
        await asyncio.gather(*tasks)
        return served

    assert asyncio.run(scenario()) == [1, 3, 5, 9]


def test_a_cancelled_waiter_takes_no_slot_and_a_given_one_is_passed_on() -> None:
    async def scenario() -> None:
        slots = RankedSlots(1)
        await slots.acquire(0)
        gone = asyncio.ensure_future(slots.acquire(1))
        given = asyncio.ensure_future(slots.acquire(2))
        last = asyncio.ensure_future(slots.acquire(3))
        await asyncio.sleep(0)
        gone.cancel()  # cancelled while it waits
        await asyncio.sleep(0)
        slots.release()  # skips the cancelled rank 1: rank 2 gets it...
        given.cancel()  # ...but is cancelled before it runs, so it passes it on
        await asyncio.gather(gone, given, return_exceptions=True)
        await asyncio.wait_for(last, 5)  # rank 3 holds the only slot now
        assert not await _acquired_at_once(slots)
        slots.release()
        assert await _acquired_at_once(slots)

    asyncio.run(scenario())


async def _acquired_at_once(slots: RankedSlots) -> bool:
    task = asyncio.ensure_future(slots.acquire(0))
    await asyncio.sleep(0)
    if task.done():
        return True
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False


def test_a_host_holds_its_opening_until_it_has_a_slot() -> None:
    async def scenario() -> None:
        slots, openings = RankedSlots(1), asyncio.Semaphore(2)
        first, second, third = (HostGate(rank, slots, openings) for rank in range(3))
        await first.enter()
        await second.enter()
        assert openings.locked()  # two hosts ahead: a third waits to start
        await first.admit()
        assert not openings.locked()
        await third.enter()
        admitting = asyncio.ensure_future(second.admit())
        await asyncio.sleep(0)
        assert not admitting.done() and openings.locked()  # waits for first's slot
        first.leave()
        await admitting
        assert not openings.locked()
        second.leave()
        third.leave()
        assert await _acquired_at_once(slots)

    asyncio.run(scenario())


def test_without_hosts_ahead_a_host_starts_only_with_its_slot() -> None:
    async def scenario() -> None:
        slots = RankedSlots(1)
        first, second = HostGate(0, slots, None), HostGate(1, slots, None)
        await first.enter()
        entering = asyncio.ensure_future(second.enter())
        await asyncio.sleep(0)
        assert not entering.done()
        await asyncio.wait_for(first.admit(), 5)  # entered with its slot: at once
        first.leave()
        await entering

    asyncio.run(scenario())


def _recorder() -> tuple[HttpConnector, list[str], list[int]]:
    """A connector to a good mirror, the requests it sends, and when it asked for a slot."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("repomd.xml"):
            return httpx.Response(200, content=REPOMD)
        return httpx.Response(200, headers={"Content-Length": "10"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    connector = HttpConnector(client, HostPlan(1, "mirror.example.org", "s", 2, ()))
    return connector, seen, []


@pytest.mark.parametrize("repodata_only", [True, False])
def test_http_asks_for_its_slot_after_the_base_head_only(repodata_only: bool) -> None:
    connector, seen, admitted_after = _recorder()

    async def admit() -> None:
        admitted_after.append(len(seen))

    async def run() -> None:
        options = CrawlOptions(repodata_only=repodata_only, now=0)
        dirs = (REPODATA, PACKAGES)
        await connector.check(BASE, dirs, options, lambda *_: None, admit=admit)
        await connector.aclose()

    asyncio.run(run())
    assert seen[0] == "HEAD /pub/" and admitted_after[0] == 1
    assert len(seen) == (2 if repodata_only else 3)


def test_http_with_a_time_list_asks_for_its_slot_before_any_request() -> None:
    connector, seen, admitted_after = _recorder()
    timelist = MasterTimelist("fullfiletimelist-x", "", "0" * 64, 1, frozenset())

    async def admit() -> None:
        admitted_after.append(len(seen))

    async def run() -> None:
        options = CrawlOptions(now=0)
        await connector.check(
            BASE, (REPODATA,), options, lambda *_: None, timelist=timelist, admit=admit
        )
        await connector.aclose()

    asyncio.run(run())
    assert admitted_after and admitted_after[0] == 0  # the list can be 64 MiB: not light
    assert seen[0] == "GET /pub/fullfiletimelist-x"


def test_rsync_asks_for_its_slot_before_its_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []

    async def listing(*args: object) -> object:
        events.append("listing")
        raise RuntimeError("stop here")

    async def admit() -> None:
        events.append("admit")

    connector = RsyncConnector()
    monkeypatch.setattr(connector, "_list", listing)

    async def run() -> None:
        with pytest.raises(RuntimeError, match="stop here"):
            await connector.check(
                "rsync://mirror.example.org/pub/", (REPODATA,), CrawlOptions(), lambda *_: None,
                admit=admit,
            )  # fmt: skip

    asyncio.run(run())
    assert events == ["admit", "listing"]


def test_waiting_for_a_slot_counts_neither_in_seconds_nor_in_the_time_limit(
    tmp_path: Path,
) -> None:
    plan = HostPlan(
        1,
        "mirror.example.org",
        "s",
        2,
        (CategoryPlan(1, 1, "Cat", (BASE,), False, (REPODATA,)),),
    )

    async def slot() -> None:
        await asyncio.sleep(0.5)  # other hosts hold every slot meanwhile

    def client(host: HostPlan, options: CrawlOptions) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.MockTransport(lambda request: httpx.Response(200, content=REPOMD))
        )

    options = CrawlOptions(host_timeout=0.3, repodata_only=True, now=0)
    outcome = asyncio.run(crawl_host(plan, options, client, slot=slot))
    assert outcome.status.value == "ok", outcome.reason  # 0.5 s waited > the 0.3 s limit
    assert outcome.waited >= 0.5 and outcome.seconds < outcome.waited
    assert outcome.requests == 2
