"""IPv4/IPv6 awareness (pure; issue 13 part 2): within each selection step, hosts known
unreachable over the client's IP family go after the others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class _HasHost(Protocol):
    @property
    def host(self) -> _HasId: ...


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_HasHost)


def reachable_first(
    records: Sequence[R], steps: Sequence[tuple[str, int]], unreachable: frozenset[int]
) -> list[R] | None:
    """`records` (runs of `steps`' counts) with each run's unreachable hosts moved to the
    run's end, order otherwise kept; None when none of them is unreachable."""
    if not any(r.host.id in unreachable for r in records):
        return None
    ordered: list[R] = []
    start = 0
    for _step, count in steps:
        run = records[start : start + count]
        ordered += [r for r in run if r.host.id not in unreachable]
        ordered += [r for r in run if r.host.id in unreachable]
        start += count
    return ordered
