"""The access log: one tab-separated line per repo/arch request, read by the statistics.

Fields: client address, ISO 8601 UTC time, country ("" unknown), repo, arch, endpoint
(mirrorlist or metalink). Lines are buffered in memory and written by `flush()` (the
server calls it every second and at shutdown) so a slow disk never stalls a request.
The file is rotated externally: it is reopened on SIGHUP (`reopen()`) and whenever its
inode changes (logrotate moved it away).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TextIO

from mirrormanager.logging import get_logger

log = get_logger(__name__)

_MAX_BUFFERED = 100_000  # lines; beyond that (disk stuck) lines are dropped and counted


def _field(value: str) -> str:
    value = value[:200]
    if value.isprintable() and "\t" not in value:  # nearly always: no copy per character
        return value
    return "".join(ch if ch.isprintable() and ch != "\t" else "?" for ch in value)


_stamped: tuple[int, str] = (-1, "")


def _stamp(when: float) -> str:
    """The ISO 8601 UTC time, formatted once per second."""
    global _stamped
    second = int(when // 1)
    if _stamped[0] != second:
        _stamped = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)))
    return _stamped[1]


def format_line(
    address: str, when: float, country: str, repo: str, arch: str, endpoint: str
) -> str:
    shown = address + country + repo + arch + endpoint
    if len(shown) <= 200 and shown.isprintable():  # nearly always (a tab is not printable)
        return f"{address}\t{_stamp(when)}\t{country}\t{repo}\t{arch}\t{endpoint}\n"
    fields = (address, _stamp(when), country, repo, arch, endpoint)
    return "\t".join([_field(f) for f in fields]) + "\n"


class AccessLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._buffer: list[str] = []
        self._file: TextIO | None = None
        self._inode: int | None = None
        self.dropped = 0

    def add(
        self, address: str, country: str, repo: str, arch: str, endpoint: str, when: float
    ) -> None:
        if self.path is None:
            return
        if len(self._buffer) >= _MAX_BUFFERED:
            self.dropped += 1
            return
        self._buffer.append(format_line(address, when, country, repo, arch, endpoint))

    def reopen(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None

    def _open(self) -> TextIO:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open
        self._inode = os.fstat(handle.fileno()).st_ino
        return handle

    def flush(self) -> None:
        """Write what is buffered (short: appends of a few KB; called off the hot path)."""
        if self.path is None or not self._buffer:
            return
        lines, self._buffer = self._buffer, []
        try:
            try:
                inode = os.stat(self.path).st_ino
            except FileNotFoundError:
                inode = None
            if self._file is None or inode != self._inode:
                self.reopen()
                self._file = self._open()
            self._file.write("".join(lines))
            self._file.flush()
        except OSError as exc:
            self.dropped += len(lines)
            log.error("access log write failed", path=str(self.path), error=str(exc))
            self.reopen()

    def close(self) -> None:
        self.flush()
        self.reopen()
