"""Atomic file publication: the one way MirrorManager replaces a file others read.

A reader (a mirrorlist worker, a web page, rsync, a browser) must never see half a file,
and a power cut must leave either the old or the new file. So: a temporary file in the
target's own folder (a rename across file systems is not atomic), write, fsync, rename over
the target, fsync the folder so the rename itself is durable; on any error the temporary
file is removed and the target is untouched. `keep_previous` first copies the generation
being replaced into a folder (the snapshot's `old/`, the SOP's fallback) - copied, never
moved, because the live file must exist at every moment.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a rename (or a new file) in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: str | Path,
    data: bytes | str,
    *,
    mode: int = 0o644,
    keep_previous: str | Path | None = None,
) -> Path:
    """Replace ``path`` with ``data`` (text is written as UTF-8); returns the path.

    ``keep_previous``: a folder (relative paths are taken beside the target) that receives
    a copy of the file being replaced, under the same name, before the replacement.
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if keep_previous is not None and target.exists():
            _keep_copy(target, folder / keep_previous)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)
    return target


def _keep_copy(target: Path, previous: Path) -> None:
    previous.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=previous)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copy2(target, tmp)
        os.replace(tmp, previous / target.name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(previous)
