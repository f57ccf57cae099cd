"""Parse ``rsync --list-only -r`` output (pure).

A line is ``<mode> <size> <YYYY/MM/DD> <HH:MM:SS> <name>``; the name may hold spaces, and
rsync writes unprintable bytes as ``\\#ooo`` (octal). The crawler runs rsync with
``--no-human-readable`` (no digit grouping) and ``TZ=UTC`` so times read as UTC.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from mirrormanager.crawler.compare import ListedEntry

_LINE = re.compile(
    r"(?P<mode>[-dlcbps][-rwxsStT]{9})[.+@]?\s+(?P<size>[0-9][0-9,.]*)\s+"
    r"(?P<date>\d{4}/\d\d/\d\d)\s+(?P<time>\d\d:\d\d:\d\d)\s(?P<name>.+)"
)
_ESCAPE = re.compile(r"\\#([0-7]{3})")


@dataclass(slots=True)
class Listing:
    """Entries by path (relative to the listed URL) and the count of lines not understood."""

    entries: dict[str, ListedEntry] = field(default_factory=dict)
    lines: int = 0
    garbage: int = 0

    @property
    def looks_valid(self) -> bool:
        """At least one understood line, and at most a few odd ones (a MOTD slipping in)."""
        understood = self.lines - self.garbage
        return understood > 0 and self.garbage <= max(10, understood // 100)

    def add(self, line: str, wanted: Container[str] | None = None) -> None:
        """Count one line of rsync's output; keep its entry when its path is ``wanted``
        (None: every path). Blank lines are not counted, lines not understood are garbage."""
        if not line.strip():
            return
        self.lines += 1
        parsed = parse_line(line)
        if parsed is None:
            self.garbage += 1
        elif wanted is None or parsed[0] in wanted:
            self.entries[parsed[0]] = parsed[1]


def _unescape(name: str) -> str:
    if "\\#" not in name:
        return name
    raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), name)
    # rsync escapes bytes; re-decode the latin-1 view of those bytes as UTF-8.
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def parse_line(line: str) -> tuple[str, ListedEntry] | None:
    """One listing line as (path, entry), or None when it is not a listing line."""
    match = _LINE.fullmatch(line.rstrip("\r\n"))
    if match is None:
        return None
    mode, name = match["mode"], match["name"]
    is_link = mode.startswith("l")
    if is_link and " -> " in name:
        name = name.split(" -> ", 1)[0]
    name = _unescape(name)
    if name == ".":
        name = ""
    elif name.startswith("./"):
        name = name[2:]
    name = name.rstrip("/")
    try:
        size = int(match["size"].replace(",", "").replace(".", ""))
        stamp = time.strptime(f"{match['date']} {match['time']}", "%Y/%m/%d %H:%M:%S")
    except ValueError:
        return None
    entry = ListedEntry(
        size=size,
        mtime=calendar.timegm(stamp),
        is_link=is_link,
        is_dir=mode.startswith("d"),
    )
    return name, entry


def parse_listing(lines: Iterable[str], wanted: Container[str] | None = None) -> Listing:
    """Parse a whole listing; with ``wanted``, keep only those paths (bounded memory)."""
    listing = Listing()
    for line in lines:
        listing.add(line, wanted)
    return listing
