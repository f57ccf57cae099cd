"""Pools of drawn answers per client class: a request becomes a look-up (pure).

Most requests of one snapshot fall into few *classes*: the same directory host set, client
country, client cell (the distance origin), IP family and `Options`. Their answers differ
only by the random order of the country, continent and global steps, so `AnswerPools`
keeps, per class, a few (`size`) independently drawn orders of those steps — `pick()` with
no netblock/ASN step — and a request takes one at random and adds its own netblock/ASN
hosts in front. The records are shared with the `SelectionIndex`: per class one tuple of
them, an entry is an array of 4-byte indices into it (a pool of 32 entries of 250 hosts:
~35 KB, whatever the format) inside a tuple the garbage collector does not track.

Exactness (docs mirrorlist-server.md "Answer pools"):
- A host added by the netblock/ASN steps is taken out of the drawn order. A weighted
  shuffle without some of its items is a weighted shuffle of the rest (exponential keys:
  the remaining keys are untouched), so the answer has the distribution `pick()` gives.
- The step structure that depends on those hosts is recomputed: the global step is
  dropped when the netblock/ASN hosts bring the answer to `minimum`, and a `country=`
  answer whose requested countries' hosts were all taken by them is drawn afresh.
- The first position is drawn fresh per request (one random number and a bisect over
  the first run's cumulative bandwidths) and moved to the front: over many requests the
  first host follows the bandwidth shares exactly, as if every answer were drawn anew.
  Positions further down are shared between the requests served by one entry until the
  entry is redrawn (`refresh`, in the background).
- Classes where the client's IP family reorders hosts (`… -reachable first`) are not
  pooled: every request is a fresh `pick()`.

Bounded: entries are counted in bytes (an estimate of the arrays held), least recently
used classes are dropped beyond `max_bytes`. Made per snapshot: a swap drops them all.
"""

from __future__ import annotations

import dataclasses
import random
import time
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple, TypeVar

from mirrormanager.core import compiled
from mirrormanager.core.geo import Position
from mirrormanager.core.selection import Options, Picked, pick, preferred
from mirrormanager.core.selection_index import (
    Client,
    HostHosts,
    HostRecord,
    HostView,
    SelectionIndex,
)

# (id of the host set, client country, client cell, IP family, options)
ClassKey = tuple[int, str, Position | None, int, Options]
T = TypeVar("T")

_BANDED = frozenset({"continent", "global"})
_ENTRY_OVERHEAD = 200  # bytes: the Drawn object, its lists' headers, the steps
_CLASS_OVERHEAD = 600  # bytes: the ClassPool, its key and its dict slot


class Drawn(NamedTuple):
    """One drawn answer of a class: `pick()` without netblock/ASN steps.

    Only arrays, strings and numbers: the garbage collector untracks such a tuple, so
    tens of thousands of entries add nothing to its walks (a full collection over
    per-entry lists and objects took tens of milliseconds: a p99 outlier)."""

    order: array[int]  # indices into the class's `members`, in the drawn order
    steps: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]
    family_note: str
    cumulative: array[float]  # the first run's cumulative bandwidths (first position)
    global_from: int  # index of the first record of the global step (len: none)

    @property
    def cost(self) -> int:
        return _ENTRY_OVERHEAD + 4 * len(self.order) + 8 * len(self.cumulative)


@dataclass(slots=True)
class ClassPool:
    """The drawn answers of one class, and what the background refresh needs."""

    hosts: HostHosts  # kept: the key holds its id
    client: Client  # a client of the class (country, position, family)
    options: Options
    entries: list[Drawn] = field(default_factory=list)
    # the records of every answer of the class (the same set each draw), and each
    # host's index there
    members: tuple[HostRecord, ...] = ()
    slot_of: dict[int, int] = field(default_factory=dict)
    view: HostView | None = None  # the netblock/ASN steps' records (set on first use)
    has_global: bool = False  # the answers reach the global step (default steps only)
    pooled: bool = True  # False: the family reorders hosts, every request is drawn anew
    served: int = 0  # answers served since the last refresh
    next_slot: int = 0  # the entry the refresh replaces next
    cost: int = _CLASS_OVERHEAD


class AnswerPools:
    """Per-class pools of drawn answers over one `SelectionIndex` (see the module doc)."""

    def __init__(self, index: SelectionIndex, *, size: int = 16, max_bytes: int = 64 << 20):
        self.index = index
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0  # answers served from a pool entry
        self.draws = 0  # entries drawn (on requests while a pool fills, and refreshes)
        self._pools: OrderedDict[ClassKey, ClassPool] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pools)

    def pick(
        self, hosts: HostHosts, client: Client, options: Options, rng: random.Random
    ) -> Picked:
        """`pick(index, hosts, client, options, rng)`, from the class's pool when it can."""
        index = self.index
        if self.size <= 0 or (client.country and client.country in index.embargoed):
            return pick(index, hosts, client, options, rng)
        family = client.address.version if client.address is not None else 0
        key: ClassKey = (id(hosts), client.country, index.cell(client), family, options)
        pools = self._pools
        pool = pools.get(key)
        if pool is None or pool.hosts is not hosts:
            pool = ClassPool(hosts, client, options)
            self._add(key, pool)
        else:
            pools.move_to_end(key)
        if not pool.pooled:
            return pick(index, hosts, client, options, rng)
        entries = pool.entries
        if len(entries) < self.size:
            drawn = self._draw(pool, rng)
            if drawn is None:
                return pick(index, hosts, client, options, rng)
            entries.append(drawn)
            self._grow(drawn.cost)
        else:
            drawn = entries[int(rng.random() * len(entries))]  # randrange: 1 µs more
            self.hits += 1
        pool.served += 1
        answer = self._compose(pool, drawn, hosts, client, options, rng)
        return answer if answer is not None else pick(index, hosts, client, options, rng)

    def refresh(
        self,
        rng: random.Random,
        max_draws: int,
        *,
        deadline: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> int:
        """Redraw up to `max_draws` entries of the classes that served answers since their
        last refresh, most served first, and none once `clock()` reaches `deadline`;
        returns the number redrawn (for the background task: a bounded slice of work
        between requests). Classes not reached keep their count and come first next time."""
        busy = sorted(
            (p for p in self._pools.values() if p.served and p.pooled and p.entries),
            key=lambda p: -p.served,
        )
        done = 0
        for pool in busy:
            if done >= max_draws or (deadline is not None and clock() >= deadline):
                break
            for _ in range(min(pool.served, len(pool.entries), max_draws - done)):
                if deadline is not None and clock() >= deadline:
                    break
                drawn = self._draw(pool, rng)
                if drawn is None:
                    break
                slot = pool.next_slot % len(pool.entries)
                old = pool.entries[slot]
                pool.entries[slot] = drawn
                pool.next_slot = slot + 1
                delta = drawn.cost - old.cost
                pool.cost += delta
                self.bytes += delta
                done += 1
            pool.served = 0
        return done

    def _add(self, key: ClassKey, pool: ClassPool) -> None:
        old = self._pools.pop(key, None)
        if old is not None:
            self.bytes -= old.cost
        self._pools[key] = pool
        self.bytes += pool.cost
        self._trim()

    def _grow(self, cost: int) -> None:
        # the pool grown is the most recently used: trimming never drops it while others
        # remain; a single pool over `max_bytes` stays (its size is bounded by `size`)
        pool = next(reversed(self._pools.values()))
        pool.cost += cost
        self.bytes += cost
        self._trim()

    def _trim(self) -> None:
        pools = self._pools
        while self.bytes > self.max_bytes and len(pools) > 1:
            _key, dropped = pools.popitem(last=False)
            self.bytes -= dropped.cost

    def _draw(self, pool: ClassPool, rng: random.Random) -> Drawn | None:
        """A fresh class answer; None (and the class unpooled) when it cannot be pooled."""
        index = self.index
        options = dataclasses.replace(pool.options, use_netblocks=False)
        picked = pick(index, pool.hosts, pool.client, options, rng)
        self.draws += 1
        client = pool.client
        family = client.address.version if client.address is not None else 0
        unreachable = index.unreachable.get(family, frozenset())
        if picked.embargoed or (
            unreachable
            and not index.strict_family
            and index.view(index.dir_hosts(pool.hosts), options.protocols).carries_any(
                family, unreachable
            )
        ):
            # the family reorders every step, netblock/ASN hosts included: not pooled
            pool.pooled = False
            return None
        records = picked.records
        run = 0
        if picked.steps:
            step, count = picked.steps[0]
            run = count
            cell = index.cell(client)
            if step in _BANDED and cell is not None and count > 1:
                # a banded step: the first host comes from the nearest band with hosts
                bands = index.band_table.for_hosts(cell, [r.host.id for r in records[:count]])
                first = bands[0]
                run = next((n for n, band in enumerate(bands) if band != first), count)
        global_from = len(records)
        if not options.countries and picked.steps and picked.steps[-1][0] == "global":
            global_from -= picked.steps[-1][1]
        if not pool.members:  # the same for every answer of the class
            pool.members = tuple(records)
            pool.slot_of = {r.host.id: n for n, r in enumerate(records)}
            pool.has_global = not options.countries and "country = global" in picked.notes
        slots = list(map(pool.slot_of.get, [r.host.id for r in records]))
        if len(slots) != len(pool.members) or None in slots:
            pool.pooled = False  # not the class's host set: never expected, never pooled
            return None
        return Drawn(
            order=array("I", slots),  # type: ignore[arg-type]  # None was excluded
            steps=tuple(picked.steps),
            notes=tuple(picked.notes),
            family_note=picked.family_note,
            cumulative=array(
                "d", accumulate(float(max(1, r.host.bandwidth)) for r in records[:run])
            ),
            global_from=global_from,
        )

    def _compose(
        self,
        pool: ClassPool,
        drawn: Drawn,
        hosts: HostHosts,
        client: Client,
        options: Options,
        rng: random.Random,
    ) -> Picked | None:
        """The request's answer: its netblock/ASN hosts, then the drawn order without
        them (first position drawn fresh when there are none); None: draw it afresh."""
        index = self.index
        view = None
        chosen: set[int] = set()
        if options.use_netblocks and client.address is not None:
            if index.strict_family and drawn.family_note:
                # as pick(): hosts unreachable in the family are candidates of no step
                chosen.update(index.unreachable.get(client.address.version, frozenset()))
            view = pool.view
            if view is None:
                view = pool.view = index.view(index.dir_hosts(hosts), options.protocols)
        made = compose(index, pool, drawn, view, client, bool(options.countries), chosen, rng)
        if made is None:
            return None
        records, steps, notes = made
        return Picked(records, steps, notes, False, drawn.family_note)


Composed = tuple[list[HostRecord], list[tuple[str, int]], list[str]]


def compose_py(
    index: SelectionIndex,
    pool: ClassPool,
    drawn: Drawn,
    view: HostView | None,
    client: Client,
    countries: bool,
    chosen: set[int],
    rng: random.Random,
) -> Composed | None:
    """The records, steps and notes of a pooled answer (`AnswerPools._compose`): the
    netblock/ASN steps when `view` is given (`preferred`, hosts in `chosen` excluded),
    then `drawn` without the hosts they took; None when `countries` (a `country=`
    request) leaves its requested countries' step empty. `_orders.compose` does the same
    in C: a request spent a third of its time here, in small Python statements."""
    result = Picked()
    if view is not None:
        preferred(index, view, client, chosen, rng, result)
    order = drawn.order
    picked = result.records
    if not picked:
        records = gather(pool.members, order, len(order))
        cumulative = drawn.cumulative
        if len(cumulative) > 1:
            k = bisect_right(cumulative, rng.random() * cumulative[-1])
            k = min(k, len(cumulative) - 1)
            if k:  # within the first step: the step counts do not change
                records.insert(0, records.pop(k))
        return records, list(drawn.steps), list(drawn.notes)
    # positions in the drawn order of the hosts the netblock/ASN steps took, last first
    # (loops, not comprehensions: two or three hosts, and each comprehension is a call)
    slot_of = pool.slot_of
    taken = []
    for record in picked:
        slot = slot_of.get(record.host.id)
        if slot is not None:
            taken.append(order.index(slot))
    if len(taken) > 1:
        taken.sort(reverse=True)
    steps = list(drawn.steps)
    notes = list(drawn.notes)
    global_from = drawn.global_from  # without the taken hosts
    if taken:
        ends = list(accumulate(count for _step, count in steps))
        for p in taken:
            s = bisect_right(ends, p)
            steps[s] = (steps[s][0], steps[s][1] - 1)
            if p < drawn.global_from:
                global_from -= 1
    kept = len(order)  # the drawn order's records kept: all, or up to the global step
    if pool.has_global and len(picked) + global_from >= index.minimum:
        # pick() would not have reached the global step
        if steps and steps[-1][0] == "global":
            kept = drawn.global_from
            steps.pop()
        notes.remove("country = global")
    if countries and drawn.steps and drawn.steps[0][0] == "country":
        for step, count in steps:
            if count and step == "country":
                break
        else:
            return None  # the requested countries' hosts all came first: pick() anew
    # the rest goes straight behind the netblock/ASN hosts, less the hosts they took
    ahead = len(picked)
    picked += gather(pool.members, order, kept)
    for p in taken:
        if p < kept:
            del picked[ahead + p]
    # drawn steps all have hosts (pick() adds none empty); taken ones may have none left
    result.steps += [step for step in steps if step[1]] if taken else steps
    return picked, result.steps, result.notes + notes


def gather_py(items: tuple[T, ...], order: array[int], end: int) -> list[T]:
    """`[items[i] for i in order[:end]]` in one C call (`itemgetter`): ~3 us for 250
    hosts, where mapping `items.__getitem__` took ~7 us (a Python-level call per item).
    The compiled `_orders.gather` reads the array without making an int per index."""
    chosen = order if end >= len(order) else order[: max(0, end)]
    if len(chosen) < 2:  # itemgetter of one index returns the item, not a tuple
        return [items[i] for i in chosen]
    found: tuple[T, ...] = itemgetter(*chosen)(items)
    return list(found)


_compiled = compiled.load("mirrormanager.core._orders")
gather: Callable[[tuple[T, ...], array[int], int], list[T]] = (
    _compiled.gather if _compiled is not None else gather_py
)
compose: Callable[
    [
        SelectionIndex,
        ClassPool,
        Drawn,
        HostView | None,
        Client,
        bool,
        set[int],
        random.Random,
    ],
    Composed | None,
] = _compiled.compose if _compiled is not None else compose_py
