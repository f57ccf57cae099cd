"""The pure verdict rules: master listing versus mirror listing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.crawler.compare import (
    ListedEntry,
    MasterFile,
    RepomdGeneration,
    RepomdState,
    combine,
    generation_index,
    judge_head,
    judge_listing,
    master_files,
    plan_row_changes,
    propagation_bucket,
    repomd_state,
)

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
    min_size=1,
    max_size=20,
)
files_strategy = st.dictionaries(
    names, st.tuples(st.integers(0, 10**12), st.integers(0, 2**40)), min_size=1, max_size=15
).map(lambda d: tuple(MasterFile(n, size, mtime) for n, (size, mtime) in sorted(d.items())))
rel_dirs = st.sampled_from(["", "releases/41/Everything/x86_64/os", "a dir/with spaces"])


def exact_listing(rel_dir: str, files: tuple[MasterFile, ...]) -> dict[str, ListedEntry]:
    prefix = f"{rel_dir}/" if rel_dir else ""
    return {prefix + f.name: ListedEntry(f.size, f.mtime) for f in files}


@given(rel_dirs, files_strategy)
def test_an_exact_copy_is_current(rel_dir: str, files: tuple[MasterFile, ...]) -> None:
    assert judge_listing(rel_dir, files, exact_listing(rel_dir, files)) is True


@given(rel_dirs, files_strategy, st.data())
def test_any_missing_file_makes_the_directory_stale(
    rel_dir: str, files: tuple[MasterFile, ...], data: st.DataObject
) -> None:
    listing = exact_listing(rel_dir, files)
    victim = data.draw(st.sampled_from(sorted(listing)))
    del listing[victim]
    assert judge_listing(rel_dir, files, listing) is False


@given(rel_dirs, files_strategy, st.data(), st.integers(1, 1000))
def test_any_size_change_makes_the_directory_stale(
    rel_dir: str, files: tuple[MasterFile, ...], data: st.DataObject, delta: int
) -> None:
    listing = exact_listing(rel_dir, files)
    victim = data.draw(st.sampled_from(sorted(listing)))
    entry = listing[victim]
    assert entry.size is not None
    listing[victim] = ListedEntry(entry.size + delta, entry.mtime)
    assert judge_listing(rel_dir, files, listing) is False


@given(rel_dirs, files_strategy, st.integers(0, 10**6))
def test_extra_files_and_newer_mtimes_do_not_matter(
    rel_dir: str, files: tuple[MasterFile, ...], later: int
) -> None:
    listing = {
        key: ListedEntry(e.size, (e.mtime or 0) + later)
        for key, e in exact_listing(rel_dir, files).items()
    }
    listing["zz-extra-file-not-on-master"] = ListedEntry(1, 1)
    assert judge_listing(rel_dir, files, listing) is True


def test_an_older_mtime_with_the_same_size_is_stale() -> None:
    files = (MasterFile("repomd.xml", 100, 2_000),)
    assert judge_listing("", files, {"repomd.xml": ListedEntry(100, 1_000)}) is False
    assert judge_listing("", files, {"repomd.xml": ListedEntry(100, None)}) is True


def test_empty_directories_are_current_and_symlinks_count_as_present() -> None:
    assert judge_listing("x", (), {}) is True
    files = (MasterFile("a.iso", 10, 1),)
    assert judge_listing("", files, {"a.iso": ListedEntry(4, 1, is_link=True)}) is True
    assert judge_listing("", files, {"a.iso": ListedEntry(10, 1, is_dir=True)}) is False


def test_head_status_rules() -> None:
    master = MasterFile("f", 10, 100)
    assert judge_head(master, 404, None) is False
    assert judge_head(master, 410, None) is False
    assert judge_head(master, 403, None) is False
    assert judge_head(master, 500, None) is None
    assert judge_head(master, 200, ListedEntry(None, None)) is True
    assert judge_head(master, 200, ListedEntry(11, None)) is False
    assert judge_head(master, 200, ListedEntry(10, 50)) is False


def test_combine() -> None:
    assert combine([]) is True
    assert combine([True, None]) is None
    assert combine([None, False]) is False


def test_repomd_history() -> None:
    history = (RepomdGeneration("new", 10_000), RepomdGeneration("old", 5_000))
    assert generation_index("new", history) == 0
    assert generation_index("nope", history) is None
    assert repomd_state("new", history, now=10**9, window_seconds=60) is RepomdState.CURRENT
    # Replaced 30 s ago: still fine. Replaced long ago: one behind, not accepted.
    assert repomd_state("old", history, now=10_030, window_seconds=60) is RepomdState.ALTERNATE
    assert repomd_state("old", history, now=20_000, window_seconds=60) is RepomdState.ONE_BEHIND
    assert repomd_state("x", history, now=10_030, window_seconds=60) is RepomdState.OLDER
    assert [propagation_bucket(i) for i in (0, 1, 2, None)] == [
        "current",
        "one_behind",
        "older",
        "older",
    ]


def test_master_files_skips_malformed_rows() -> None:
    rows = [
        {"name": "a", "size": 1, "mtime": 2},
        {"name": "b"},
        {"size": 3},
        {"name": "c", "size": 4},
    ]
    assert master_files(rows) == (MasterFile("a", 1, 2), MasterFile("c", 4, None))


def test_row_changes_follow_sync_dir_rules() -> None:
    existing = {1: (101, True), 2: (102, False), 3: (103, True), 4: (104, True)}
    verdicts = {1: False, 2: True, 3: None, 5: True, 6: False}
    changes = plan_row_changes(existing, verdicts, complete=False)
    assert changes.insert == (5,)  # stale dir 6 gets no row: the mirror may exclude it
    assert changes.mark_current == (102,)
    assert changes.mark_stale == (101,)
    assert set(changes.touched) == {101, 102}
    complete = plan_row_changes(existing, verdicts, complete=True)
    assert set(complete.mark_stale) == {101, 104}  # 4 was not judged: left the category


@given(
    st.dictionaries(st.integers(1, 50), st.booleans()),
    st.dictionaries(st.integers(1, 50), st.sampled_from([True, False, None])),
)
def test_row_changes_never_mark_current_without_a_true_verdict(
    up2date: dict[int, bool], verdicts: dict[int, bool | None]
) -> None:
    existing = {d: (d + 1000, u) for d, u in up2date.items()}
    changes = plan_row_changes(existing, verdicts, complete=True)
    for row_id in changes.mark_current:
        assert verdicts[row_id - 1000] is True
    for directory_id in changes.insert:
        assert verdicts[directory_id] is True and directory_id not in existing
