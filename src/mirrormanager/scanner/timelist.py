"""Read a category from its `fullfiletimelist-*` instead of walking the disk.

Fedora's master publishes, per module, a list of every file and directory with its ctime
and size (quick-fedora-mirror's format). Reading it costs one sequential read instead of
hundreds of thousands of `stat`s (MirrorManager2 measured 48 minutes → 2 minutes on
Fedora Linux). Directories whose ctime changed are still `stat`ed on disk, because only the
disk knows whether everyone may read them.

Format (the part we read):

    [Version]
    2
    [Files]
    <ctime>\t<type>\t<size>\t<path relative to the list's directory>
    ...
    [Checksums SHA1]          (and other sections: ignored)

Types start with `f` (file), `d` (directory) or `l` (link). Two streaming passes keep
memory flat: the first collects directory ctimes, the second the files of changed
directories only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from mirrormanager.formats.timelist import EntryError, parse_entry
from mirrormanager.scanner.filelist import FileEntry
from mirrormanager.scanner.walk import KnownDir, Observed, WalkReport, everyone_can_read


@dataclass(frozen=True, slots=True)
class Timelist:
    """Where a category's list is and how its paths relate to the category top."""

    path: str
    prefix: str  # path prefix of the category's entries inside the list ("" or "linux/")


def find_timelist(top: str) -> Timelist | None:
    """The list for the category at `top`: in the top itself, else in its parent.

    Fedora keeps `pub/fedora/fullfiletimelist-fedora` for the category "Fedora Linux"
    (`pub/fedora/linux`), whose entries then start with `linux/`.
    """
    for directory, prefix in ((top, ""), (os.path.dirname(top), os.path.basename(top) + "/")):
        try:
            names = sorted(n for n in os.listdir(directory) if n.startswith("fullfiletimelist-"))
        except OSError:
            continue
        if names:
            return Timelist(os.path.join(directory, names[0]), prefix)
    return None


def _entries(path: str, prefix: str, report: WalkReport) -> Iterator[tuple[str, str, int, int]]:
    """(type letter, relpath, ctime, size) of the [Files] section below `prefix`."""
    in_files = False
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if raw.startswith(b"["):
                in_files = raw.strip() == b"[Files]"
                continue
            if not in_files or not raw.strip():
                continue
            try:
                entry = parse_entry(raw, prefix)
            except EntryError as exc:
                report.problems.append((f"{path}:{number}", f"{exc}: skipped"))
                continue
            if entry is not None:
                yield entry


class TimelistWalker:
    """Produces the same observations as CategoryWalker, from a fullfiletimelist."""

    def __init__(
        self,
        top: str,
        known: Mapping[str, KnownDir],
        timelist: Timelist,
        *,
        excluded: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self.top = top.rstrip("/")
        self.known = known
        self.timelist = timelist
        self.excluded = excluded
        self.report = WalkReport()

    def _skip(self, relpath: str) -> bool:
        return any(part == "" for part in relpath.split("/")) if relpath else False

    def walk(self) -> Iterator[Observed]:
        # The top directory has no line of its own: one stat gives its ctime.
        ctimes: dict[str, int] = {"": int(os.stat(self.top).st_ctime)}
        for kind, relpath, ctime, _ in _entries(
            self.timelist.path, self.timelist.prefix, self.report
        ):
            if kind == "d" and not self._skip(relpath):
                ctimes[relpath] = ctime
        changed: dict[str, list[FileEntry]] = {}
        for relpath, ctime in ctimes.items():
            if self.excluded(relpath):
                self.report.untouched.append(relpath)
                continue
            known = self.known.get(relpath)
            if known is None or known.ctime != ctime:
                changed[relpath] = []
        for kind, relpath, ctime, size in _entries(
            self.timelist.path, self.timelist.prefix, self.report
        ):
            if kind != "f":
                continue
            parent, _, name = relpath.rpartition("/")
            files = changed.get(parent)
            if files is not None:
                files.append(FileEntry(name, size, ctime))
        for relpath in sorted(ctimes):
            if relpath in self.report.untouched or _under_any(relpath, self.report.untouched):
                continue
            self.report.visited.add(relpath)
            known = self.known.get(relpath)
            if relpath not in changed and known is not None:
                yield Observed(relpath, ctimes[relpath], known.readable, listed=False)
                continue
            path = f"{self.top}/{relpath}" if relpath else self.top
            try:
                st = os.stat(path)
            except OSError:
                self.report.problems.append(
                    (relpath, "in the fullfiletimelist but not on disk: skipped")
                )
                self.report.visited.discard(relpath)
                self.report.untouched.append(relpath)
                continue
            readable = stat.S_ISDIR(st.st_mode) and everyone_can_read(st.st_mode)
            files = changed.get(relpath, [])
            self.report.listed += 1
            self.report.files_seen += len(files)
            yield Observed(relpath, ctimes[relpath], readable, listed=True, files=files)


def _under_any(relpath: str, roots: list[str]) -> bool:
    return any(relpath.startswith(root + "/") for root in roots if root)
