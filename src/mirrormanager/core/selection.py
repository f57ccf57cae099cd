"""Which mirrors a client gets, and in which order (pure; see docs mirrorlist.md).

`pick()` runs the steps (netblock, ASN, country, continent, global) on the
`SelectionIndex` of `core.selection_index`: a few dict probes, one random number per
candidate, one sort and a gather; the server's renderers join the pre-rendered bytes.
`select()` answers the same as `Chosen` objects.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from mirrormanager.core.family import reachable_first
from mirrormanager.core.geo import Position
from mirrormanager.core.netblocks import longest, matches
from mirrormanager.core.selection_index import (
    MIRRORLIST_PROTOCOLS,
    Client,
    HostHosts,
    HostRecord,
    HostView,
    SelectionIndex,
    Stratum,
    Urls,
)
from mirrormanager.core.snapshot_model import HostInfo
from mirrormanager.core.targets import Target


@dataclass(frozen=True, slots=True)
class Options:
    countries: tuple[str, ...] = ()  # requested country= codes, upper-case; may hold GLOBAL
    use_netblocks: bool = True
    protocols: tuple[str, ...] = MIRRORLIST_PROTOCOLS
    # the hash, computed once: the answer pools hash their class keys (which hold the
    # options) twice a request, and the generated `__hash__` built a tuple each time
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = hash((self.countries, self.use_netblocks, self.protocols))
        object.__setattr__(self, "_hash", value)

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class Chosen:
    host: HostInfo
    # (protocol, category top URL), preferred first; the full URL is that + `suffix`
    urls: Urls
    step: str  # netblock, asn, country, continent, global
    suffix: str = ""

    @property
    def full_urls(self) -> Urls:
        return tuple((protocol, base + self.suffix) for protocol, base in self.urls)


@dataclass(slots=True)
class Selection:
    hosts: list[Chosen] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the answer was made, for the header
    embargoed: bool = False


@dataclass(slots=True)
class Picked:
    """`pick()`'s answer: the records in order, with the step that added each run."""

    records: list[HostRecord] = field(default_factory=list)
    steps: list[tuple[str, int]] = field(default_factory=list)  # (step, records added)
    notes: list[str] = field(default_factory=list)  # how the answer was made, for the header
    embargoed: bool = False
    family_note: str = ""  # set when the client's IP family ordered or filtered hosts


def pick(
    index: SelectionIndex,
    hosts: HostHosts,
    client: Client,
    options: Options,
    rng: random.Random,
    *,
    transient: bool = False,
) -> Picked:
    """Run the selection steps of mirrorlist.md for one request (`hosts`: the directory's,
    or with ``transient`` a set made for this request, e.g. a file's carriers)."""
    result = Picked()
    country = client.country
    if country and country in index.embargoed:
        result.embargoed = True
        result.notes.append(f"country = {country} embargoed")
        return result
    view = index.view(index.dir_hosts(hosts, transient=transient), options.protocols)
    picked = result.records
    steps = result.steps
    notes = result.notes
    chosen: set[int] = set()  # hosts taken by the netblock and ASN steps (and country=)
    family = client.address.version if client.address is not None else 0
    unreachable = index.unreachable.get(family, frozenset())
    if unreachable and view.carries_any(family, unreachable):
        if index.strict_family:
            chosen.update(unreachable)  # never candidates: left out of every step
            result.family_note = f"IPv{family}-reachable only"
        else:
            result.family_note = f"IPv{family}-reachable first"

    if options.use_netblocks and client.address is not None:
        preferred(index, view, client, chosen, rng, result)

    def take(drawn: list[HostRecord], step: str) -> int:
        if drawn:
            picked.extend(drawn)
            steps.append((step, len(drawn)))
        return len(drawn)

    cells: list[Position | None] = []  # the client's cell, found on first use

    def near(stratum: Stratum) -> Stratum:
        """The continent and global steps' candidates, banded by distance if wanted."""
        if not stratum.records:
            return stratum
        if not cells:
            cells.append(index.cell(client))
        cell = cells[0]
        return stratum if cell is None else index.near(stratum, cell)

    if options.countries:
        requested = [c for c in options.countries if c != "GLOBAL"]
        found = 0
        for wanted in requested:
            notes.append(f"country = {wanted}")
            drawn = view.country(wanted).draw(rng, country, chosen)
            chosen.update(r.host.id for r in drawn)
            found += take(drawn, "country")
        if requested and not found:
            for continent in dict.fromkeys(index.continent(c) for c in requested):
                if continent:
                    notes.append(f"continent = {continent}")
                    around = view.continent(continent)
                    drawn = near(around).draw(rng, country, chosen)
                    chosen.update(r.host.id for r in drawn)
                    take(drawn, "continent")
        if "GLOBAL" in options.countries:
            notes.append("country = global")
            world = view.world()
            take(near(world).draw(rng, country, chosen), "global")
        return _family_last(result, unreachable)

    if country:
        notes.append(f"country = {country}")
        stratum = view.country(country)
        take(stratum.draw(rng, country, chosen), "country")
        continent = index.continent(country)
        if continent:
            notes.append(f"continent = {continent}")
            # the country's hosts were candidates of the country step: taken, or
            # unusable for this client either way
            around = view.continent(continent)
            drawn = near(around).draw(rng, country, chosen, stratum.position)
            take(drawn, "continent")
    if len(picked) < index.minimum:
        notes.append("country = global")
        everyone = {r.host.id for r in picked}
        if index.strict_family and result.family_note:
            everyone |= unreachable
        world = view.world()
        take(near(world).draw(rng, country, everyone), "global")
    return _family_last(result, unreachable)


def preferred(
    index: SelectionIndex,
    view: HostView,
    client: Client,
    chosen: set[int],
    rng: random.Random,
    result: Picked,
) -> None:
    """The netblock and ASN steps for `client` (whose address is known): their hosts not
    in `chosen` are added to `result` and to `chosen`.

    Every request with a known address runs this (pooled answers too), mostly to find
    one or two hosts: no generator, and no shuffle call for fewer than two hosts (a
    shuffle draws no number for those: the random stream is the same)."""
    assert client.address is not None
    country = client.country
    picked = result.records
    records = view.records
    added = 0
    for _length, ids in matches(index.host_netblocks, client.address):
        group = _group(ids, records, chosen, country)
        if group:
            if len(group) > 1:
                rng.shuffle(group)
            picked += group
            added += len(group)
    if added:
        result.steps.append(("netblock", added))
        result.notes.append("Using preferred netblock")
    asn = longest(index.asn_table, client.address)
    if asn is not None:
        group = _group(index.asn_hosts.get(asn, ()), records, chosen, country)
        if group:
            if len(group) > 1:
                rng.shuffle(group)
            picked += group
            result.steps.append(("asn", len(group)))
            result.notes.append(f"Using ASN {asn}")


def _group(
    ids: Sequence[int], records: dict[int, HostRecord], chosen: set[int], country: str
) -> list[HostRecord]:
    """The records of `ids` (first occurrence, in order) that are in the view, not in
    `chosen` and allowed for `country`; their ids join `chosen`. A loop, not
    comprehensions: a request meets two or three ids, and each comprehension was a call."""
    group = []
    for i in ids:
        if i in chosen:
            continue
        record = records.get(i)
        if record is None:
            continue
        allowed = record.host.countries_allowed
        if allowed and country not in allowed:
            continue
        chosen.add(i)
        group.append(record)
    return group


def _family_last(result: Picked, unreachable: frozenset[int]) -> Picked:
    """Within each step, hosts known unreachable in the client's family go after the
    others (order otherwise kept); the note says so when that moved anything."""
    if result.family_note:
        if not result.family_note.endswith("only"):
            ordered = reachable_first(result.records, result.steps, unreachable)
            if ordered is None:
                result.family_note = ""
                return result
            result.records = ordered
        result.notes.append(result.family_note)
    return result


def select(
    index: SelectionIndex,
    target: Target,
    client: Client,
    options: Options,
    rng: random.Random,
) -> Selection:
    """`pick()` as `Chosen` hosts (for callers that want objects rather than bytes)."""
    picked = pick(
        index, target.hosts, client, options, rng, transient=target.file_hosts is not None
    )
    result = Selection(notes=picked.notes, embargoed=picked.embargoed)
    records = iter(picked.records)
    suffix = target.suffix
    for step, count in picked.steps:
        for _ in range(count):
            record = next(records)
            result.hosts.append(Chosen(record.host, record.urls, step, suffix))
    return result
