"""MirrorManager2's ways of choosing hosts for a crawl: ``--fraction P:N`` and
``--continent`` (repeatable, ``^`` excludes), on top of `plan.select_hosts`.

Two crawler machines given ``--fraction 1:2`` and ``--fraction 2:2`` split the same sorted
host-id list the way MirrorManager2 splits it, so a mixed fleet (one machine still on
MirrorManager2) crawls every host exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.core.geo import continent_of
from mirrormanager.crawler.plan import HostSelection, select_hosts
from mirrormanager.db.models import CountryContinentRedirect
from mirrormanager.errors import ConfigError

# GeoIP's continent codes as MirrorManager2 lists them; "--" is "unknown".
CONTINENTS = ("AF", "AN", "AS", "EU", "NA", "OC", "SA", "--")


def parse_fraction(text: str) -> tuple[int, int]:
    """``P:N`` with 1 <= P <= N."""
    try:
        part, slices = (int(value) for value in text.split(":", 1))
    except ValueError:
        raise ConfigError(f"--fraction {text!r} is not P:N, e.g. 1:2") from None
    if not 1 <= part <= slices:
        raise ConfigError(f"--fraction {text!r}: P must be between 1 and N")
    return part, slices


def fraction_slice(ids: Sequence[int], part: int, slices: int) -> list[int]:
    """MirrorManager2's slice of the sorted ids: every part has floor(len/N) hosts and the
    last part takes the remainder too."""
    ordered = sorted(ids)
    size = len(ordered) // slices
    start = (part - 1) * size
    return ordered[start:] if part == slices else ordered[start : size * part]


@dataclass(frozen=True, slots=True)
class ContinentFilter:
    include: frozenset[str] = frozenset()  # empty: every continent
    exclude: frozenset[str] = frozenset()

    def allows(self, continent: str) -> bool:
        code = continent or "--"
        if code in self.exclude:
            return False
        return not self.include or code in self.include


def parse_continents(values: Sequence[str]) -> ContinentFilter:
    """``EU``, ``^NA``, … (case-insensitive); an unknown code is a ConfigError.

    Unlike MirrorManager2, exclusions alone (``--continent ^NA``) mean "all but NA" (there
    they select nothing at all).
    """
    include: set[str] = set()
    exclude: set[str] = set()
    for value in values:
        code = value.upper().lstrip("^")
        if code not in CONTINENTS:
            raise ConfigError(
                f"Unknown continent {code}. Known continents: {', '.join(CONTINENTS)}"
            )
        (exclude if value.startswith("^") else include).add(code)
    return ContinentFilter(frozenset(include), frozenset(exclude))


def select_host_ids(
    session: Session,
    selection: HostSelection,
    *,
    fraction: tuple[int, int] | None = None,
    continents: ContinentFilter = ContinentFilter(),
) -> tuple[int, ...]:
    """Ids of the hosts `selection` chooses, cut to the fraction, then to the continents."""
    hosts = select_hosts(session, replace(selection, ids=None))
    if fraction is not None and fraction != (1, 1):
        keep = set(fraction_slice([h.id for h in hosts], *fraction))
        hosts = [h for h in hosts if h.id in keep]
    if continents.include or continents.exclude:
        redirects = dict(
            session.execute(
                select(CountryContinentRedirect.country, CountryContinentRedirect.continent)
            ).all()
        )
        hosts = [
            h
            for h in hosts
            if continents.allows(continent_of((h.country or "").upper(), redirects))
        ]
    return tuple(h.id for h in hosts)
