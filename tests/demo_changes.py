"""Changes to a built demo tree the way a compose push makes them, for tests.

The demo itself never changes its tree; the scanner, crawler, maintenance and dnf tests do,
to watch a new update or a new release propagate.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from mirrormanager.demo.tree import everything
from mirrormanager.demo.writer import (
    EPOCH,
    FEDORA,
    PRIMARY_ARCHES,
    Package,
    Writer,
    list_entry,
    parse_filename,
    repodata_files,
    rpm_bytes,
)
from mirrormanager.formats.repomd import parse_repomd


def publish_update(root: Path, relpath: str, *, timestamp: int | None = None) -> str:
    """Push one new package into the repository at ``relpath`` and regenerate its repodata.

    Like createrepo_c, the new metadata files get new checksum-named hrefs, repomd.xml is
    replaced by renaming a fsynced temporary file, and only then the previous generation's
    files go away, so a reader never sees a repomd.xml pointing at missing files. The
    timestamp defaults to an hour after the current one. Returns the new repomd.xml's sha256.
    """
    repo = Path(root, relpath)
    repodata = repo / "repodata"
    old = parse_repomd((repodata / "repomd.xml").read_bytes(), source=str(repodata))
    previous = EPOCH if old.timestamp is None else old.timestamp
    when = previous + 3600 if timestamp is None else timestamp
    if when <= previous:
        raise ValueError(f"timestamp {when} is not after {previous}, the current one of {relpath}")

    files = sorted(repo.glob("Packages/*/*.rpm"))
    arch = "src" if any(path.name.endswith(".src.rpm") for path in files) else "noarch"
    pushed = Package("mirrormanager-demo-push", str(when), "1", arch)
    target = repo / pushed.href
    changed_dirs = [repodata, target.parent]
    if not target.parent.exists():
        changed_dirs.append(target.parent.parent)
        target.parent.mkdir(parents=True)
    _atomic_write(target, rpm_bytes(pushed), when)

    listed = [list_entry(parse_filename(path.name), path.read_bytes()) for path in files]
    listed.append(list_entry(pushed, rpm_bytes(pushed)))
    generation = repodata_files(listed, when)
    for name, content in generation:  # repomd.xml comes last
        _atomic_write(repodata / name, content, when)
    fresh = {name for name, _ in generation}
    for entry in old.data:
        stale = repo / entry.href
        if stale.parent == repodata and stale.name not in fresh:
            stale.unlink(missing_ok=True)
    for directory in changed_dirs:
        os.utime(directory, (when, when))
    return hashlib.sha256(generation[-1][1]).hexdigest()


def add_release(root: Path, version: str, *, timestamp: int = EPOCH + 86400) -> tuple[str, ...]:
    """Create ``releases/<version>/Everything/{x86_64,aarch64}/os``, as a new release appears.

    Stamps the new directories and ``releases/`` itself with ``timestamp`` so a scanner that
    trusts directory mtimes notices. Returns the new repositories' paths relative to root.
    """
    number = re.fullmatch(r"([0-9]+)[0-9A-Za-z._-]*", version)
    if number is None:
        raise ValueError(f"{version!r} is not a Fedora release name such as '42'")
    top = f"{FEDORA}/releases/{version}"
    if Path(root, top).exists():
        raise FileExistsError(f"{Path(root, top)} already exists")
    writer = Writer(root)
    repos = everything(f"{top}/Everything", PRIMARY_ARCHES, f"fc{number.group(1)}", kernel=True)
    for repo in repos:
        writer.repo(repo, timestamp)
    writer.stamp(timestamp)
    os.utime(Path(root, FEDORA, "releases"), (timestamp, timestamp))
    return tuple(repo.path for repo in repos)


def _atomic_write(path: Path, data: bytes, mtime: int) -> None:
    """Replace ``path`` the way createrepo_c and rsync do: temp file, fsync, rename."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.utime(temp, (mtime, mtime))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
