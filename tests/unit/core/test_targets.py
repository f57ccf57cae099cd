"""`resolve_repo`/`resolve_path`: which host set a request is answered from, and the
URL suffix (issue 13 part 1; directory URLs end with `/`, issue 16)."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options, select
from mirrormanager.core.selection_index import Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot
from mirrormanager.core.targets import (
    LookupFailure,
    RepoTargets,
    Target,
    resolve_path,
    resolve_repo,
)
from tests.data import snapshots as data_snapshots
from tests.data.snapshots import snapshots

TOP = "pub/fedora/linux"
REPO = TOP + "/updates/41/Everything/x86_64"
HOSTS = {
    1: HostInfo(1, "fresh", "DE", 100, 1, False),
    2: HostInfo(2, "stale", "DE", 100, 1, False),
    3: HostInfo(3, "campus", "DE", 100, 1, True, netblocks=("192.0.2.0/24",)),
}
URLS = {i: HostUrl(i, i, f"https://{h.name}.example/fedora") for i, h in HOSTS.items()}


def snap(repodata: tuple[int, ...] | None) -> Snapshot:
    dirs = {
        REPO: DirectoryEntry(REPO, REPO.removeprefix(TOP + "/"), tuple((i, (i,)) for i in HOSTS))
    }
    if repodata is not None:
        name = REPO + "/repodata"
        dirs[name] = DirectoryEntry(
            name, name.removeprefix(TOP + "/"), tuple((i, (i,)) for i in repodata)
        )
    return Snapshot(1, 1, dict(HOSTS), dict(URLS), dirs, {("updates-released-f41", "x86_64"): REPO})


def offered(snapshot: Snapshot, *, metalink: bool, ip: str | None = None) -> list[str]:
    target = resolve_repo(snapshot, "updates-released-f41", "x86_64", metalink=metalink)
    index = SelectionIndex(snapshot, minimum=5)
    client = Client(parse_address(ip) if ip else None, "DE")
    chosen = select(index, target, client, Options(), random.Random(1)).hosts
    return sorted(url for c in chosen for _p, url in c.full_urls)


@pytest.mark.parametrize("metalink", [False, True])
def test_the_repodata_directory_decides_and_urls_name_the_repository(metalink: bool) -> None:
    """Host 2's repository directory is "up to date" (it holds no files), its repodata is
    not: neither the mirrorlist nor the metalink offers it."""
    leaf = "repodata/repomd.xml" if metalink else ""
    assert offered(snap(repodata=(1,)), metalink=metalink) == [
        f"https://fresh.example/fedora/updates/41/Everything/x86_64/{leaf}"
    ]


def test_a_private_host_without_repodata_is_not_offered_even_in_its_netblock() -> None:
    assert offered(snap(repodata=(1,)), metalink=False, ip="192.0.2.9") == [
        "https://fresh.example/fedora/updates/41/Everything/x86_64/"
    ]
    with_it = offered(snap(repodata=(1, 3)), metalink=False, ip="192.0.2.9")
    assert "https://campus.example/fedora/updates/41/Everything/x86_64/" in with_it


def test_nobody_fresh_means_nobody_offered_not_the_repository_hosts() -> None:
    assert offered(snap(repodata=()), metalink=True) == []


def test_a_snapshot_without_the_repodata_entry_falls_back_to_the_repository() -> None:
    assert len(offered(snap(repodata=None), metalink=False)) == 2  # the two public hosts


def test_directory_suffixes_end_with_a_slash_files_do_not() -> None:
    snapshot = snap(repodata=(1,))
    assert resolve_repo(snapshot, "updates-released-f41", "x86_64", metalink=False).suffix == (
        "/updates/41/Everything/x86_64/"
    )
    assert resolve_path(snapshot, REPO + "/repodata", metalink=False).suffix == (
        "/updates/41/Everything/x86_64/repodata/"
    )
    assert resolve_path(snapshot, REPO + "/repodata/repomd.xml", metalink=False).suffix == (
        "/updates/41/Everything/x86_64/repodata/repomd.xml"
    )
    with pytest.raises(LookupFailure):
        resolve_path(snapshot, "pub/../etc", metalink=False)


def _outcome(resolve: Callable[..., Target], repo: str, arch: str, metalink: bool) -> object:
    try:
        return resolve(repo, arch, metalink=metalink)
    except LookupFailure as failure:
        return (failure.kind, failure.repo, failure.arch, failure.path)


def _same_as_resolve_repo(snapshot: Snapshot, queries: list[tuple[str, str, bool]]) -> None:
    """`RepoTargets.resolve` answers as `resolve_repo` (twice: resolved, then kept), and
    keeps at most two targets per repository."""
    kept = RepoTargets(snapshot)
    for repo, arch, metalink in queries:
        want = _outcome(partial(resolve_repo, snapshot), repo, arch, metalink)
        for _twice in range(2):
            assert _outcome(kept.resolve, repo, arch, metalink) == want
    assert len(kept) <= 2 * len(snapshot.repositories)


@pytest.mark.parametrize(
    "redirects",
    [
        {"fedora-rawhide": "rawhide"},
        # one hop only: fedora-rawhide is rawhide, rawhide is fedora-41
        {"fedora-rawhide": "rawhide", "rawhide": "fedora-41", "src": "fedora-source-41"},
    ],
)
def test_kept_targets_are_resolve_repo(redirects: dict[str, str]) -> None:
    snapshot = data_snapshots.build(repository_redirects=redirects)
    names = [r for r, _a in snapshot.repositories] + [*redirects, "nope"]
    arches = ["x86_64", "source", "aarch64"]
    queries = [(r, a, m) for r in names for a in arches for m in (False, True)]
    _same_as_resolve_repo(snapshot, queries)
    resolved = [_outcome(partial(resolve_repo, snapshot), *q) for q in queries]
    assert sum(isinstance(t, Target) for t in resolved) >= 10  # not only failures


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.data())
def test_kept_targets_are_resolve_repo_for_any_snapshot(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    names = [r for r, _a in snapshot.repositories] + list(snapshot.repository_redirects)
    arches = [a for _r, a in snapshot.repositories] + ["source", "x86_64"]
    repo = st.sampled_from(names) | st.text(max_size=6) if names else st.text(max_size=6)
    arch = st.sampled_from(arches) | st.text(max_size=6)
    _same_as_resolve_repo(
        snapshot, data.draw(st.lists(st.tuples(repo, arch, st.booleans()), max_size=12))
    )


def test_unknown_repositories_and_arches_of_a_source_repo_keep_nothing_new() -> None:
    snapshot = data_snapshots.build()
    kept = RepoTargets(snapshot)
    for n in range(500):
        with pytest.raises(LookupFailure):
            kept.resolve(f"unknown-{n}", "x86_64", metalink=True)
        # a source repository answers any arch as arch=source: one kept target
        assert kept.resolve("fedora-source-41", f"arch-{n}", metalink=True).arch == "source"
    with pytest.raises(LookupFailure):
        kept.resolve("fedora-40", "x86_64", metalink=True)  # disabled: never kept
    assert kept.resolve("fedora-rawhide", "x86_64", metalink=False) is kept.resolve(
        "rawhide", "x86_64", metalink=False
    )
    assert len(kept) == 2
