"""``fullfiletimelist-*``: quick-fedora-mirror's list of every file of a module (pure).

Shared by the scanner (which reads the master's copy from disk) and the crawler (which
streams a mirror's copy over HTTP). Format (the part we read):

    [Version]
    2
    [Files]
    <time>\\t<type>\\t<size>\\t<path relative to the list's directory>
    ...
    [Checksums SHA1]          (and other sections: ignored)

Types start with ``f`` (file), ``d`` (directory) or ``l`` (link). A category may sit below
the list's directory: its entries then start with a prefix such as ``linux/``.
"""

from __future__ import annotations

from collections.abc import Container

MAX_LINE = 16 << 10

# (type letter, path relative to the category top, time, size)
Entry = tuple[str, str, int, int]


class EntryError(ValueError):
    """A ``[Files]`` line that cannot be read; the message is the reason."""


def parse_entry(raw: bytes, prefix: str) -> Entry | None:
    """One ``[Files]`` line; None when it lies outside ``prefix``; EntryError when unreadable."""
    if len(raw) > MAX_LINE:
        raise EntryError("line too long")
    try:
        line = raw.rstrip(b"\n").decode("utf-8")
    except UnicodeDecodeError:
        raise EntryError("not valid UTF-8") from None
    parts = line.split("\t", 3)
    if len(parts) != 4 or not parts[1]:
        raise EntryError("malformed line")
    ctime, kind, size, name = parts
    if prefix:
        if name + "/" == prefix:
            name = ""
        elif name.startswith(prefix):
            name = name[len(prefix) :]
        else:
            return None
    try:
        return kind[0], name.strip("/"), int(ctime), int(size or 0)
    except ValueError:
        raise EntryError("bad number") from None


class TimelistReader:
    """Reads a list incrementally (``feed`` chunks as they arrive, then ``close``).

    Only entries whose path is in ``wanted`` are kept (all with ``wanted=None``), so memory
    stays bounded by what the caller cares about, not by the size of the list.
    """

    def __init__(self, prefix: str, wanted: Container[str] | None = None) -> None:
        self.prefix = prefix
        self.wanted = wanted
        self.entries: dict[str, tuple[str, int, int]] = {}  # path -> (type, time, size)
        self.sections = 0  # [Files] headers seen
        self.understood = 0  # [Files] lines read, inside or outside the prefix
        self.matched = 0  # [Files] lines inside the prefix
        self.garbage = 0  # lines that could not be read
        self._in_files = False
        self._pending = b""
        self._skipping = False  # inside a line longer than MAX_LINE

    @property
    def valid(self) -> bool:
        """A [Files] section with entries of the category, and at most a few odd lines."""
        return (
            self.sections > 0
            and self.matched > 0
            and self.garbage <= max(10, self.understood // 100)
        )

    def feed(self, data: bytes) -> None:
        if self._skipping:
            end = data.find(b"\n")
            if end < 0:
                return
            data, self._skipping = data[end + 1 :], False
        if self._pending:
            data = self._pending + data
        lines = data.split(b"\n")
        self._pending = lines.pop()
        for raw in lines:
            self._line(raw)
        if len(self._pending) > MAX_LINE:
            self._pending, self._skipping = b"", True
            self.garbage += 1

    def close(self) -> None:
        if self._pending:
            self._line(self._pending)
        self._pending = b""

    def _line(self, raw: bytes) -> None:
        if raw.startswith(b"["):
            self._in_files = raw.strip() == b"[Files]"
            self.sections += self._in_files
            return
        if not self._in_files or not raw.strip():
            return
        try:
            entry = parse_entry(raw, self.prefix)
        except EntryError:
            self.garbage += 1
            return
        self.understood += 1
        if entry is None:
            return
        self.matched += 1
        kind, name, time, size = entry
        if self.wanted is None or name in self.wanted:
            self.entries[name] = (kind, time, size)
