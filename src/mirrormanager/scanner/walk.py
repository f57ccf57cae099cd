"""Walk one category of the master tree, reading only what changed (the I/O half of umdl).

A directory's ctime changes whenever an entry is added, removed or renamed in it, or its
mode changes. So when the stored ctime still matches, its list of subdirectories is the one
already in the database: the walker only `stat`s it and descends into the known children.
Only new or changed directories are listed and their files `stat`ed. A rescan with no
change therefore costs one `stat` per directory, less than `find` (which stats every file).
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from mirrormanager.scanner.filelist import FileEntry


@dataclass(frozen=True, slots=True)
class KnownDir:
    """What the database remembers of a directory."""

    id: int
    ctime: int
    readable: bool


@dataclass(slots=True)
class Observed:
    """One directory as the walker saw it.

    `listed` is False for an unchanged directory: then `files` is None and the database
    row stays as it is, except that `ctime`/`readable` are confirmed.
    """

    relpath: str
    ctime: int
    readable: bool
    listed: bool
    files: list[FileEntry] | None = None
    subdirs: list[str] | None = None


@dataclass(slots=True)
class WalkReport:
    """What the walk saw besides directories: problems and subtrees it left alone."""

    problems: list[tuple[str, str]] = field(default_factory=list)
    # Subtrees not walked (excluded, unlistable): their known rows are neither
    # confirmed nor vanished.
    untouched: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    listed: int = 0
    files_seen: int = 0


def everyone_can_read(mode: int) -> bool:
    """A mirror pulls as an unprivileged user: it needs the others read and execute bits."""
    return mode & (stat.S_IROTH | stat.S_IXOTH) == (stat.S_IROTH | stat.S_IXOTH)


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


class CategoryWalker:
    """Walks a category top directory against the known state of the database."""

    def __init__(
        self,
        top: str,
        known: Mapping[str, KnownDir],
        *,
        excludes: Sequence[re.Pattern[str]] = (),
        on_directory: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.top = top.rstrip("/") or "/"
        self.known = known
        self.excludes = tuple(excludes)
        self.on_directory = on_directory
        self.clock = clock
        self.report = WalkReport()
        self._children = self._known_children(known)

    @staticmethod
    def _known_children(known: Mapping[str, KnownDir]) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for relpath in known:
            if not relpath:
                continue
            parent, _, name = relpath.rpartition("/")
            children.setdefault(parent, []).append(name)
        return children

    def _excluded(self, relpath: str) -> bool:
        return any(pattern.fullmatch(relpath) for pattern in self.excludes)

    def _abs(self, relpath: str) -> str:
        return f"{self.top}/{relpath}" if relpath else self.top

    def walk(self) -> Iterator[Observed]:
        """Yield every directory below (and including) the top, parents before children."""
        stack: list[tuple[str, os.stat_result | None]] = [("", None)]
        while stack:
            relpath, st = stack.pop()
            path = self._abs(relpath)
            if st is None:
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    continue  # vanished since its parent was read: counted as gone
                except OSError as exc:
                    self._problem(relpath, f"cannot stat: {exc.strerror}")
                    self.report.untouched.append(relpath)
                    continue
                if not stat.S_ISDIR(st.st_mode):
                    continue  # replaced by a file or symlink: gone as a directory
            self.report.visited.add(relpath)
            if self.on_directory is not None:
                self.on_directory(len(self.report.visited))
            ctime = int(st.st_ctime)
            readable = everyone_can_read(st.st_mode)
            known = self.known.get(relpath)
            if known is not None and known.ctime == ctime and ctime > 0:
                yield Observed(relpath, ctime, known.readable, listed=False)
                for name in sorted(self._children.get(relpath, ()), reverse=True):
                    child = _join(relpath, name)
                    if self._excluded(child):
                        self.report.untouched.append(child)
                    else:
                        stack.append((child, None))
                continue
            observed = self._list(relpath, path, ctime, readable)
            yield observed
            for name, child_st in sorted(self._pending, reverse=True):
                stack.append((_join(relpath, name), child_st))

    _pending: list[tuple[str, os.stat_result]]

    def _list(self, relpath: str, path: str, ctime: int, readable: bool) -> Observed:
        self._pending = []
        files: list[FileEntry] = []
        subdirs: list[str] = []
        listed_at = self.clock()
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    self._take(relpath, entry, files, subdirs)
        except PermissionError:
            self._problem(relpath, "permission denied: cannot list the directory")
            self.report.untouched.append(relpath)
            # Known children stay as they are: an unreadable parent is not a deletion.
            return Observed(relpath, ctime, False, listed=True, files=[], subdirs=[])
        except OSError as exc:
            self._problem(relpath, f"cannot list: {exc.strerror}")
            self.report.untouched.append(relpath)
            return Observed(relpath, 0, readable, listed=True, files=[], subdirs=[])
        self.report.listed += 1
        self.report.files_seen += len(files)
        # A change in the same second as our listing would leave the stored ctime equal
        # to the new one; store 0 instead so the next scan lists the directory again.
        if ctime >= int(listed_at):
            ctime = 0
        return Observed(relpath, ctime, readable, listed=True, files=files, subdirs=subdirs)

    def _take(
        self, relpath: str, entry: os.DirEntry[str], files: list[FileEntry], subdirs: list[str]
    ) -> None:
        name = entry.name
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            self._problem(_join(relpath, shown), "name is not valid UTF-8: skipped")
            return
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            self._problem(_join(relpath, name), f"cannot stat: {exc.strerror}")
            return
        if stat.S_ISDIR(st.st_mode):
            child = _join(relpath, name)
            if self._excluded(child):
                self.report.untouched.append(child)
                return
            subdirs.append(name)
            self._pending.append((name, st))
        elif stat.S_ISREG(st.st_mode):
            files.append(FileEntry(name, st.st_size, int(st.st_mtime)))
        elif stat.S_ISLNK(st.st_mode):
            self._check_symlink(relpath, entry)

    def _check_symlink(self, relpath: str, entry: os.DirEntry[str]) -> None:
        """Symlinks are never followed; one pointing at its own ancestor is reported."""
        try:
            target = os.path.realpath(entry.path)
        except OSError:
            return
        here = os.path.realpath(self._abs(relpath))
        if here == target or here.startswith(target.rstrip("/") + "/"):
            self._problem(_join(relpath, entry.name), f"symlink loop to {target}: not followed")

    def _problem(self, relpath: str, message: str) -> None:
        self.report.problems.append((relpath, message))
