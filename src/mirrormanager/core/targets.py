"""From repo/arch or path to the directory a request is about (pure).

Errors are `LookupFailure`s whose `kind` the formats turn into the documented answers:
usage (neither repo/arch nor path), invalid_repo, disabled, invalid_path.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from mirrormanager.core.snapshot_model import DirectoryEntry, FileDetailInfo, Snapshot

REPOMD = "repomd.xml"


class LookupFailure(Exception):
    """A request names no directory the snapshot can answer for."""

    def __init__(self, kind: str, *, repo: str = "", arch: str = "", path: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.repo = repo
        self.arch = arch
        self.path = path


@dataclass(frozen=True, slots=True)
class Target:
    directory: DirectoryEntry  # whose hosts are the candidates
    suffix: str  # appended to each host's category URL: "/subpath[/file]"
    file_name: str  # the metalink <file name>
    files: tuple[FileDetailInfo, ...]  # current generation first, then alternates
    repo: str = ""
    arch: str = ""
    path: str = ""


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


def resolve_repo(snapshot: Snapshot, repo: str, arch: str, *, metalink: bool) -> Target:
    """Repository redirects first; a repo containing `source` means arch=source.

    The candidates are the hosts whose `repodata/` directory is up to date: it is what a
    client reads first, while the repository directory holds no files and is "up to date"
    on every mirror that has it at all (MirrorManager2's Rust server judged mirrorlists by
    it and sent clients to stale mirrors). The URLs still name the repository directory.
    Only a snapshot without the `repodata/` entry falls back to the repository's hosts.
    """
    repo = snapshot.repository_redirects.get(repo, repo)
    if "source" in repo:
        arch = "source"
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


def resolve_path(snapshot: Snapshot, raw_path: str, *, metalink: bool) -> Target:
    """A directory, or a file in one (its FileDetails make the metalink)."""
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
    return Target(entry, _join(entry.subpath, name), name, entry.files.get(name, ()), path=path)
