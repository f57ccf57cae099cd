"""Pure verdict rules: what the master lists versus what a mirror showed.

Nothing here does I/O. Connectors gather observations (an rsync listing, a HEAD answer, a
repomd.xml hash) and these functions turn them into a directory verdict:

* ``True``  - the directory is up to date,
* ``False`` - it is stale or missing,
* ``None``  - unknown (an error that says nothing about the content); the stored verdict
  is left as it was.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Verdict = bool | None

# HTTP Last-Modified has one-second resolution; mirrors copying with rsync -t keep mtimes.
MTIME_SLACK_SECONDS = 1


@dataclass(frozen=True, slots=True)
class MasterFile:
    """A file the master lists in a directory (``Directory.files``)."""

    name: str
    size: int
    mtime: int | None = None


@dataclass(frozen=True, slots=True)
class RepomdGeneration:
    """One FileDetail of a repomd.xml: its sha256 and the repomd timestamp."""

    sha256: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """One entry of a mirror's listing (rsync), or the answer of a HEAD request."""

    size: int | None
    mtime: int | None = None
    is_link: bool = False
    is_dir: bool = False


class RepomdState(enum.Enum):
    """How a mirror's repomd.xml relates to the master's history of that file."""

    CURRENT = "current"
    ALTERNATE = "alternate"  # an older generation still inside the alternate window
    ONE_BEHIND = "one_behind"  # the first alternate, but outside the window
    OLDER = "older"  # any other content


def master_files(raw: Iterable[Mapping[str, object]] | None) -> tuple[MasterFile, ...]:
    """``Directory.files`` JSON rows as MasterFiles; malformed rows are skipped."""
    files: list[MasterFile] = []
    for row in raw or ():
        name, size, mtime = row.get("name"), row.get("size"), row.get("mtime")
        if not isinstance(name, str) or not name or not isinstance(size, int):
            continue
        files.append(MasterFile(name, size, mtime if isinstance(mtime, int) else None))
    return tuple(files)


def file_matches(master: MasterFile, seen: ListedEntry | None) -> bool:
    """Same size, and not older than the master copy when both sides know the mtime.

    A symlink counts as present (as in MirrorManager2): mirrors may hard- or soft-link
    identical files. A newer mtime is accepted because some mirrors do not keep mtimes.
    """
    if seen is None or seen.is_dir:
        return False
    if seen.is_link:
        return True
    if seen.size is not None and seen.size != master.size:
        return False
    return not (
        seen.mtime is not None
        and master.mtime is not None
        and seen.mtime < master.mtime - MTIME_SLACK_SECONDS
    )


def judge_listing(
    rel_dir: str, files: Sequence[MasterFile], listing: Mapping[str, ListedEntry]
) -> bool:
    """A directory is current when every file the master lists is in the listing.

    ``listing`` keys are paths relative to the category top directory. An empty file list
    is up to date (MirrorManager2 issue #437): there is nothing to be stale.
    """
    prefix = f"{rel_dir}/" if rel_dir else ""
    return all(file_matches(f, listing.get(prefix + f.name)) for f in files)


def differing_files(
    rel_dir: str,
    files: Sequence[MasterFile],
    listing: Mapping[str, ListedEntry],
    *,
    limit: int,
) -> tuple[str, ...] | None:
    """Names of the master's files the listing lacks or holds in another version.

    ``()`` means the directory is current; ``None`` means more than ``limit`` differ, and
    the directory counts as unavailable as a whole (per-file answers need a short list:
    the snapshot carries it for every such host and directory). Sorted, so equal sets
    compare and store equal.
    """
    prefix = f"{rel_dir}/" if rel_dir else ""
    found: list[str] = []
    for master in files:
        if not file_matches(master, listing.get(prefix + master.name)):
            if len(found) >= limit:
                return None
            found.append(master.name)
    return tuple(sorted(found))


def bounded_differences(names: Iterable[str], limit: int) -> tuple[str, ...] | None:
    """``names`` sorted and de-duplicated, or None when there are more than ``limit``."""
    unique = sorted(set(names))
    return None if len(unique) > limit else tuple(unique)


def judge_head(master: MasterFile, status: int, seen: ListedEntry | None) -> Verdict:
    """The verdict on one file from a HEAD answer (after redirects were followed)."""
    if status in (403, 404, 410):
        return False
    if status >= 400 or status < 200:
        return None
    return file_matches(master, seen or ListedEntry(size=None))


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """All files current -> True; any stale -> False; else any unknown -> None."""
    unknown = False
    for verdict in verdicts:
        if verdict is False:
            return False
        if verdict is None:
            unknown = True
    return None if unknown else True


def generation_index(sha256: str, generations: Sequence[RepomdGeneration]) -> int | None:
    """0 for the current repomd.xml, 1 for the first alternate, …; None when unknown."""
    for index, generation in enumerate(generations):
        if generation.sha256 == sha256:
            return index
    return None


def repomd_state(
    sha256: str,
    generations: Sequence[RepomdGeneration],
    *,
    now: int,
    window_seconds: int,
) -> RepomdState:
    """Place a mirror's repomd.xml hash in the master's history (newest first).

    An older generation is still acceptable (``ALTERNATE``) while the generation that
    replaced it is younger than the window: dnf accepts metalink alternates, and a mirror
    cannot have synced a push that happened minutes ago.
    """
    index = generation_index(sha256, generations)
    if index is None:
        return RepomdState.OLDER
    if index == 0:
        return RepomdState.CURRENT
    if now - generations[index - 1].timestamp < window_seconds:
        return RepomdState.ALTERNATE
    return RepomdState.ONE_BEHIND if index == 1 else RepomdState.OLDER


def propagation_bucket(index: int | None) -> str:
    """PropagationStat column for a generation index: current, one_behind or older."""
    if index == 0:
        return "current"
    if index == 1:
        return "one_behind"
    return "older"


def repomd_verdict(state: RepomdState) -> bool:
    return state in (RepomdState.CURRENT, RepomdState.ALTERNATE)


@dataclass(frozen=True, slots=True)
class RowChanges:
    """What one category's crawl does to its HostCategoryDir rows."""

    insert: tuple[int, ...]  # directory ids that get a new, up-to-date row
    mark_current: tuple[int, ...]  # row ids set up2date=True
    mark_stale: tuple[int, ...]  # row ids set up2date=False
    touched: tuple[int, ...]  # row ids whose last_checked is set
    # Stale directories whose differing files are known (a short list):
    insert_partial: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (directory id, names)
    # (row id, names or None) for every existing row judged stale: the list to store
    differing: tuple[tuple[int, tuple[str, ...] | None], ...] = ()


def plan_row_changes(
    existing: Mapping[int, tuple[int, bool]],
    verdicts: Mapping[int, Verdict],
    *,
    complete: bool,
    differing: Mapping[int, tuple[str, ...]] | None = None,
) -> RowChanges:
    """Turn directory verdicts into row changes (MirrorManager2's ``sync_dir`` rules, fixed).

    ``existing`` maps directory id -> (row id, up2date). A current directory without a row
    gets one; a stale directory without a row gets one only when ``differing`` names the
    files it lacks (the mirror holds the directory and all its other files; otherwise it may
    exclude the directory). An unknown verdict changes nothing. After a ``complete`` crawl
    of the category, rows whose directory was not judged at all (it left the category or
    became unreadable) go stale. Every existing row judged stale gets its list of differing
    files replaced (None when unknown: the directory is unavailable as a whole).
    """
    known = differing or {}
    insert: list[int] = []
    partial: list[tuple[int, tuple[str, ...]]] = []
    current: list[int] = []
    stale: list[int] = []
    touched: list[int] = []
    lists: list[tuple[int, tuple[str, ...] | None]] = []
    for directory_id, verdict in verdicts.items():
        row = existing.get(directory_id)
        if verdict is None:
            continue
        names = None if verdict else known.get(directory_id) or None
        if row is None:
            if verdict:
                insert.append(directory_id)
            elif names is not None:
                partial.append((directory_id, names))
            continue
        row_id, up2date = row
        touched.append(row_id)
        if verdict and not up2date:
            current.append(row_id)
        elif not verdict:
            if up2date:
                stale.append(row_id)
            lists.append((row_id, names))
    if complete:
        for directory_id, (row_id, up2date) in existing.items():
            if directory_id not in verdicts:
                if up2date:
                    stale.append(row_id)
                lists.append((row_id, None))
    return RowChanges(
        tuple(insert), tuple(current), tuple(stale), tuple(touched), tuple(partial), tuple(lists)
    )
