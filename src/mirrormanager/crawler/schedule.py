"""When each host crawls: crawl slots handed out in plan order, light first requests ahead.

A host crawls while it holds one of ``concurrency`` slots. Before that, up to
``hosts_ahead`` hosts may send their first, light request (the HEAD of a category's base
URL, see ``Connector``): a mirror that never answers then costs its read timeout from the
start of the crawl, alongside everyone else and without a slot, instead of from whenever
its turn comes (in the benchmark's repodata-only crawl, up to 4.6 s in on a quiet machine,
and the crawl ended one read timeout after that). A host that answers waits for its slot
with one idle keep-alive connection, so the crawl's connections stay bounded by
``hosts_ahead`` + ``concurrency`` x connections per host.

Slots go to the waiting hosts in plan order (slowest expected first, see ``select_hosts``),
not in the order their first answers came back, which would favour the nearest mirrors
and start the longest crawls last.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools


class RankedSlots:
    """A semaphore whose waiters get the freed places lowest rank first."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrival = itertools.count()  # equal ranks: first come, first served

    async def acquire(self, rank: int) -> None:
        if self._free > 0:  # a freed place goes straight to a waiter: none is waiting
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (rank, next(self._arrival), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # given the place just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():  # skips waiters cancelled while they waited
                waiter.set_result(None)
                return
        self._free += 1


class HostGate:
    """One host's way into the crawl: an opening for its light first requests (when
    ``openings`` is given), then a crawl slot for the rest; ``leave`` frees what it holds.
    """

    def __init__(self, rank: int, slots: RankedSlots, openings: asyncio.Semaphore | None) -> None:
        self._rank = rank
        self._slots = slots
        self._openings = openings
        self._opening = self._slot = False

    async def enter(self) -> None:
        """Wait until the host may start: for an opening, or (none ahead) for its slot."""
        if self._openings is None:
            await self.admit()
            return
        await self._openings.acquire()
        self._opening = True

    async def admit(self) -> None:
        """Wait for the crawl slot; at once when the host has it."""
        if self._slot:
            return
        await self._slots.acquire(self._rank)
        self._slot = True
        # The opening is held until now, so the hosts waiting with an idle connection
        # are bounded too.
        self._release_opening()

    def leave(self) -> None:
        self._release_opening()
        if self._slot:
            self._slot = False
            self._slots.release()

    def _release_opening(self) -> None:
        if self._opening and self._openings is not None:
            self._opening = False
            self._openings.release()
