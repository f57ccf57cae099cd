"""From repo/arch or path to the directory a request is about (pure).

Errors are `LookupFailure`s whose `kind` the formats turn into the documented answers:
usage (neither repo/arch nor path), invalid_repo, disabled, invalid_path.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from mirrormanager.core.bounded import keep
from mirrormanager.core.snapshot_model import DirectoryEntry, FileDetailInfo, Snapshot

REPOMD = "repomd.xml"
_MAX_PLAIN = 1 << 16  # request spellings kept per snapshot (`RepoTargets.plain`)


class LookupFailure(Exception):
    """A request names no directory the snapshot can answer for."""

    def __init__(self, kind: str, *, repo: str = "", arch: str = "", path: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.repo = repo
        self.arch = arch
        self.path = path


HostHosts = tuple[tuple[int, tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class Target:
    directory: DirectoryEntry  # whose hosts are the candidates (unless `file_hosts`)
    suffix: str  # appended to each host's category URL: "/subpath[/file]"
    file_name: str  # the metalink <file name>
    files: tuple[FileDetailInfo, ...]  # current generation first, then alternates
    repo: str = ""
    arch: str = ""
    path: str = ""
    # A file request whose carriers differ from the directory's hosts: a set made for
    # this request (callers must not cache it by identity).
    file_hosts: HostHosts | None = None
    is_file: bool = False  # the suffix names a file (`path=` of a file), not a directory

    @property
    def hosts(self) -> HostHosts:
        """The candidate hosts: those carrying the file, or the directory's."""
        return self.directory.hosts if self.file_hosts is None else self.file_hosts


def carriers(entry: DirectoryEntry, name: str) -> HostHosts:
    """The hosts that carry file ``name`` of a directory (ordered by host id).

    Up-to-date hosts plus partial hosts whose differing files do not include it, less any
    host whose last verdict on the directory is older than the file (it cannot have been
    checked). The directory's own tuple when that is everyone (the common case).
    """
    born = entry.recent.get(name)
    if not entry.partial and born is None:
        return entry.hosts
    verified = entry.verified

    def fresh(host_id: int) -> bool:
        return born is None or verified.get(host_id, born) >= born

    up = [pair for pair in entry.hosts if fresh(pair[0])]
    missing = entry.missing
    extra = [
        pair for pair in entry.partial if name not in missing.get(pair[0], ()) and fresh(pair[0])
    ]
    if not extra and len(up) == len(entry.hosts):
        return entry.hosts
    return tuple(sorted(up + extra, key=_host_id))


def _host_id(pair: tuple[int, tuple[int, ...]]) -> int:
    return pair[0]


def normalise_path(path: str) -> str | None:
    """`//pub/./fedora/` -> `pub/fedora`; None when it climbs out (`..`) or is empty."""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _join(*parts: str) -> str:
    return "".join("/" + p for p in parts if p)


def _directory(*parts: str) -> str:
    """A directory's suffix: MirrorManager2's Python and Rust servers end directory URLs
    with `/` (tools that compare lists or append file names rely on it)."""
    return _join(*parts) + "/"


def _repo_key(snapshot: Snapshot, repo: str, arch: str) -> tuple[str, str]:
    """Repository redirects first; a repo containing `source` means arch=source."""
    repo = snapshot.repository_redirects.get(repo, repo)
    return repo, "source" if "source" in repo else arch


def resolve_repo(snapshot: Snapshot, repo: str, arch: str, *, metalink: bool) -> Target:
    """Repository redirects first; a repo containing `source` means arch=source.

    The candidates are the hosts whose `repodata/` directory is up to date: it is what a
    client reads first, while the repository directory holds no files and is "up to date"
    on every mirror that has it at all (MirrorManager2's Rust server judged mirrorlists by
    it and sent clients to stale mirrors). The URLs still name the repository directory.
    Only a snapshot without the `repodata/` entry falls back to the repository's hosts.
    """
    return _resolve_key(snapshot, *_repo_key(snapshot, repo, arch), metalink=metalink)


def _resolve_key(snapshot: Snapshot, repo: str, arch: str, *, metalink: bool) -> Target:
    if (repo, arch) in snapshot.disabled_repositories:
        raise LookupFailure("disabled", repo=repo, arch=arch)
    name = snapshot.repositories.get((repo, arch))
    if name is None:
        raise LookupFailure("invalid_repo", repo=repo, arch=arch)
    name = name.removesuffix("/repodata")
    entry = snapshot.directories.get(name)
    repodata = snapshot.directories.get(name + "/repodata")
    files: tuple[FileDetailInfo, ...] = ()
    if repodata is not None:
        files = repodata.files.get(REPOMD, ())
        subpath = posixpath.dirname(repodata.subpath)
        candidates = repodata
    elif entry is not None:
        files = entry.files.get("repodata/" + REPOMD, ()) or entry.files.get(REPOMD, ())
        subpath = entry.subpath
        candidates = entry
    else:
        raise LookupFailure("invalid_repo", repo=repo, arch=arch)
    suffix = _join(subpath, "repodata/repomd.xml") if metalink else _directory(subpath)
    return Target(candidates, suffix, REPOMD, files, repo=repo, arch=arch)


class RepoTargets:
    """`resolve_repo` of one snapshot, each answer kept (the server's per-request look-up:
    ~3 us resolved, ~0.3 us kept, on the benchmark's snapshot).

    Keyed after the redirects and the `source` rule, and only for repositories that
    resolve: at most two targets (mirrorlist, metalink) per repository of the snapshot,
    however many unknown names or arches clients send. The snapshot is immutable, so a
    kept target stays right for the life of this object (one per loaded snapshot).
    """

    __slots__ = ("_kept", "plain", "snapshot")

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._kept: dict[tuple[str, str, bool], Target] = {}
        # the request's own (repo, arch, metalink) -> its target, before the redirects:
        # the express lane's one look-up. Bounded: clients may spell a name many ways.
        self.plain: dict[tuple[str, str, bool], Target] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def resolve(self, repo: str, arch: str, *, metalink: bool) -> Target:
        """`resolve_repo(snapshot, repo, arch, metalink=metalink)`; LookupFailure alike."""
        asked = (repo, arch, metalink)
        repo, arch = _repo_key(self.snapshot, repo, arch)
        key = (repo, arch, metalink)
        found = self._kept.get(key)
        if found is None:
            found = _resolve_key(self.snapshot, repo, arch, metalink=metalink)  # or raises
            self._kept[key] = found
        if asked not in self.plain:
            keep(self.plain, asked, found, _MAX_PLAIN)
        return found


def resolve_path(snapshot: Snapshot, raw_path: str, *, metalink: bool) -> Target:
    """A directory (its up-to-date hosts), or a file in one (the hosts that carry it; its
    FileDetails make the metalink)."""
    path = normalise_path(raw_path)
    if path is None:
        raise LookupFailure("invalid_path", path=raw_path)
    entry = snapshot.directories.get(path)
    if entry is not None:
        repodata = snapshot.directories.get(path + "/repodata")
        files = repodata.files.get(REPOMD, ()) if repodata is not None else ()
        # a metalink for a directory is the metalink of its repository, if it is one
        if metalink and repodata is not None:
            suffix = _join(entry.subpath, "repodata/repomd.xml")
        else:
            suffix = _directory(entry.subpath)
        return Target(entry, suffix, REPOMD, files, path=path)
    parent, name = posixpath.split(path)
    entry = snapshot.directories.get(parent)
    if entry is None:
        raise LookupFailure("invalid_path", path=path)
    hosts = carriers(entry, name)
    return Target(
        entry,
        _join(entry.subpath, name),
        name,
        entry.files.get(name, ()),
        path=path,
        file_hosts=None if hosts is entry.hosts else hosts,
        is_file=True,
    )
