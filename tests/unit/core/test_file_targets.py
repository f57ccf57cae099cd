"""path= of a file: the hosts that carry it (partial hosts, verdicts older than the file)."""

from __future__ import annotations

import dataclasses
import random

from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options, pick
from mirrormanager.core.selection_index import (
    FILE_HOST_SETS,
    MIRRORLIST_PROTOCOLS,
    Client,
    SelectionIndex,
)
from mirrormanager.core.snapshot_model import DirectoryEntry, Snapshot
from mirrormanager.core.targets import carriers, resolve_path
from tests.data import snapshots as data

ISO_DIR = data.ISO_DIR
UP = data.ALL_HOSTS[:3]  # hosts 1, 2, 3 hold a current copy
PARTIAL = data.ALL_HOSTS[3:5]  # hosts 4 and 5: stale copies


def entry(**changes: object) -> DirectoryEntry:
    base = dataclasses.replace(data.directory(ISO_DIR), hosts=UP)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def snapshot(directory: DirectoryEntry) -> Snapshot:
    return dataclasses.replace(data.build(), directories={ISO_DIR: directory})


def host_ids(hosts: tuple[tuple[int, tuple[int, ...]], ...]) -> list[int]:
    return [h for h, _ in hosts]


def test_without_per_file_facts_a_file_has_its_directory_hosts_object() -> None:
    plain = entry()
    assert carriers(plain, "any.iso") is plain.hosts
    target = resolve_path(snapshot(plain), ISO_DIR + "/any.iso", metalink=False)
    assert target.file_hosts is None and target.hosts is plain.hosts and target.is_file


def test_partial_hosts_serve_every_file_but_their_missing_ones() -> None:
    partial = entry(
        partial=PARTIAL, missing={4: frozenset({"new.iso"}), 5: frozenset({"new.iso", "x"})}
    )
    assert host_ids(carriers(partial, "old.iso")) == [1, 2, 3, 4, 5]
    assert host_ids(carriers(partial, "x")) == [1, 2, 3, 4]
    assert carriers(partial, "new.iso") is partial.hosts  # only the current copies
    snap = snapshot(partial)
    # the directory itself: only the up-to-date hosts
    directory = resolve_path(snap, ISO_DIR, metalink=False)
    assert directory.hosts is partial.hosts and not directory.is_file
    old = resolve_path(snap, ISO_DIR + "/old.iso", metalink=False)
    assert old.file_hosts is not None and host_ids(old.hosts) == [1, 2, 3, 4, 5]
    assert old.suffix.endswith("/old.iso")


def test_a_verdict_older_than_the_file_does_not_vouch_for_it() -> None:
    timed = entry(
        partial=PARTIAL,
        missing={4: frozenset({"b.iso"}), 5: frozenset()},
        recent={"new.iso": 2_000, "newer.iso": 3_000},
        verified={1: 1_000, 4: 2_500, 5: 1_000},  # 2 and 3: checked after both files
    )
    assert host_ids(carriers(timed, "new.iso")) == [2, 3, 4]
    assert host_ids(carriers(timed, "newer.iso")) == [2, 3]
    assert host_ids(carriers(timed, "old.iso")) == [1, 2, 3, 4, 5]
    assert host_ids(carriers(timed, "b.iso")) == [1, 2, 3, 5]


def test_per_file_host_sets_are_cached_by_content_and_bounded() -> None:
    partial = entry(partial=PARTIAL, missing={4: frozenset({"new.iso"})})
    index = SelectionIndex(snapshot(partial), minimum=5)
    client = Client(parse_address("203.0.113.9"), "")
    options = Options(protocols=MIRRORLIST_PROTOCOLS)
    hosts = carriers(partial, "old.iso")
    first = index.dir_hosts(hosts, transient=True)
    assert index.dir_hosts(tuple(hosts), transient=True) is first  # equal content: a hit
    picked = pick(index, hosts, client, options, random.Random(1), transient=True)
    assert {r.host.id for r in picked.records} == {1, 2, 3, 4}  # 5 is private
    for n in range(FILE_HOST_SETS + 10):  # requests for many different files
        one = ((1000 + n, (10,)),)
        index.dir_hosts(one, transient=True)
    assert len(index._file_hosts) == FILE_HOST_SETS
    assert len(index._dir_hosts) == 0  # the per-snapshot cache got none of them
