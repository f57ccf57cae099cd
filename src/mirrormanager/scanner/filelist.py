"""Which files of a directory the database keeps (pure).

The crawler checks a directory by the files recorded for it. A `Packages/k/` directory can
hold thousands of RPMs; checking the newest few tells as much about freshness as checking
all of them, and keeps the database and every crawl small (MirrorManager2's short list).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

PACKAGE_SUFFIXES = (".rpm", ".drpm", ".html", ".hdr")


@dataclass(frozen=True, slots=True)
class FileEntry:
    name: str
    size: int
    mtime: int

    def as_json(self) -> dict[str, int | str]:
        return {"name": self.name, "size": self.size, "mtime": self.mtime}


def short_filelist(files: Iterable[FileEntry], threshold: int, keep: int) -> list[FileEntry]:
    """All files sorted by name, or only the `keep` newest when one package kind is crowded."""
    entries = list(files)
    kinds = Counter(
        suffix for entry in entries for suffix in PACKAGE_SUFFIXES if entry.name.endswith(suffix)
    )
    if kinds and max(kinds.values()) > threshold:
        entries = sorted(entries, key=lambda e: (e.mtime, e.name, e.size), reverse=True)[:keep]
    return sorted(entries, key=lambda e: e.name)


def filelist_json(entries: Iterable[FileEntry]) -> list[dict[str, int | str]]:
    return [entry.as_json() for entry in entries]
