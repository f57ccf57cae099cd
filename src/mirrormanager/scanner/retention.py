"""Which FileDetail generations to keep as metalink alternates (pure).

dnf accepts a mirror that still serves a recent older repomd.xml, listed as an alternate,
so the newest few generations stay for a while. The newest row always stays: dropping it
after a quiet week once broke rawhide for everyone (MirrorManager2 issue #96).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

DAY = 86_400


@dataclass(frozen=True, slots=True)
class Generation:
    id: int
    directory_id: int
    filename: str
    timestamp: int


def generations_to_delete(
    rows: Iterable[Generation], *, now: int, keep_days: int, keep_count: int
) -> list[int]:
    """Ids of FileDetail rows beyond the window.

    Per (directory, file), newest first: the newest always stays; the second stays while
    the newest is younger than keep_days - 1 days (mirrors are still catching up); the
    others stay while younger than keep_days, up to keep_count rows in all.
    """
    groups: dict[tuple[int, str], list[Generation]] = defaultdict(list)
    for row in rows:
        groups[(row.directory_id, row.filename)].append(row)
    stale_before = now - keep_days * DAY
    propagation_before = now - max(keep_days - 1, 0) * DAY
    doomed: list[int] = []
    for group in groups.values():
        group.sort(key=lambda g: (g.timestamp, g.id), reverse=True)
        newest = group[0]
        for index, row in enumerate(group[1:], start=1):
            if index >= keep_count:
                doomed.append(row.id)
            elif index == 1 and newest.timestamp >= propagation_before:
                continue
            elif row.timestamp < stale_before:
                doomed.append(row.id)
    return doomed
