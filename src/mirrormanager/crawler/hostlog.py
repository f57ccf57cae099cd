"""Per-host crawl logs: ``log_dir/crawler/<host_id>.log``, the previous ones kept as
``<host_id>.log.1`` … ``.N``; the web UI shows them with :func:`read_crawl_log`.

A crawl collects its lines in memory and writes the file once when the host is done
(temporary file, fsync, rename), so a reader never sees half a log.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from mirrormanager.files.atomic import write_atomic
from mirrormanager.settings import Settings

MAX_READ_BYTES = 1 << 20
MAX_LINES = 20_000  # a host's log is bounded even for a pathological mirror


class HostLogBuffer:
    """Collects one host's log lines (``%(asctime)s - %(levelname)s - %(message)s``)."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug
        self.lines: list[str] = []
        self.dropped = 0

    def __call__(self, level: str, message: str) -> None:
        if level == "DEBUG" and not self.debug:
            return
        if len(self.lines) >= MAX_LINES:
            self.dropped += 1
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        self.lines.append(f"{stamp} - {level} - {message}")

    def text(self) -> str:
        tail = [f"... {self.dropped} more lines dropped"] if self.dropped else []
        return "\n".join([*self.lines, *tail]) + "\n"


def log_path(log_dir: Path, host_id: int) -> Path:
    return Path(log_dir) / "crawler" / f"{int(host_id)}.log"


def write_host_log(log_dir: Path, host_id: int, text: str, *, keep: int = 5) -> Path:
    """Rotate the old logs (``.1`` is the newest old one) and write the new one atomically."""
    path = log_path(log_dir, host_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    for index in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{index}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{index + 1}"))
    if keep > 0 and path.exists():
        path.replace(path.with_name(f"{path.name}.1"))
    write_atomic(path, text)
    return path


def read_crawl_log(settings: Settings, host_id: int, *, generation: int = 0) -> str:
    """The latest crawl log of a host (``generation`` 1.. for older ones), or "".

    Only the last MAX_READ_BYTES are returned; ``host_id`` is forced to an int so a caller
    cannot read outside the crawler log folder.
    """
    path = log_path(Path(settings.log_dir), int(host_id))
    if generation:
        path = path.with_name(f"{path.name}.{int(generation)}")
    try:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - MAX_READ_BYTES))
            data = stream.read()
    except FileNotFoundError:
        return ""
    return data.decode("utf-8", "replace")
