"""Publishing and loading snapshot files.

Publication is atomic: the new file is written to a temporary file in the target folder,
fsynced, and renamed over the old one; the folder is fsynced so the rename survives a power
cut. The generation being replaced is first copied to ``old/`` beside the file (the SOP's
fallback). An exclusive ``flock`` on the target folder keeps two builders - even two pointed
at different databases - from publishing into one file at the same time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from mirrormanager.core.snapshot_model import Snapshot
from mirrormanager.errors import FormatError, LockHeldError
from mirrormanager.files.atomic import write_atomic
from mirrormanager.formats import snapshot_codec
from mirrormanager.formats.snapshot_file import decode_any

OLD_DIR = "old"
LOCK_NAME = ".snapshot.lock"


def load_snapshot(path: str | Path) -> Snapshot:
    """Read and validate a snapshot file of either format; FormatError names the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read snapshot {path}: {exc.strerror}", path=path) from None
    try:
        return decode_any(raw, source=str(path))
    except FormatError as exc:
        raise FormatError(f"{path}: {exc.message}", hint=exc.hint, path=path) from None


def next_serial(path: str | Path, now: int) -> int:
    """The serial after the one in ``path``'s header; the time when there is none to read."""
    try:
        header = snapshot_codec.read_header(Path(path))
    except FormatError:
        return now
    return header.serial + 1


@contextlib.contextmanager
def folder_lock(target: str | Path) -> Iterator[None]:
    """An exclusive flock on the target's folder, or LockHeldError at once."""
    folder = Path(target).parent
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeldError(
                f"another snapshot builder is publishing into {folder} (lock {lock_path})",
                hint="wait for it to finish; the lock is released when that process exits",
                path=lock_path,
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def publish(data: bytes, target: str | Path, *, keep_old: bool = True) -> Path:
    """Atomically replace ``target`` with ``data``; the replaced file goes to ``old/``.

    The caller holds :func:`folder_lock`. Returns the target path.
    """
    return write_atomic(target, data, keep_previous=OLD_DIR if keep_old else None)
