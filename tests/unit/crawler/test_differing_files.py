"""Per-file precision in the pure crawler rules: which files differ, and what rows change."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.crawler.compare import (
    ListedEntry,
    MasterFile,
    bounded_differences,
    differing_files,
    plan_row_changes,
)
from tests.unit.crawler.test_crawler_compare import exact_listing, files_strategy, rel_dirs


@given(rel_dirs, files_strategy, st.data())
def test_exactly_the_removed_or_changed_files_differ(
    rel_dir: str, files: tuple[MasterFile, ...], data: st.DataObject
) -> None:
    listing = exact_listing(rel_dir, files)
    prefix = f"{rel_dir}/" if rel_dir else ""
    gone = data.draw(st.sets(st.sampled_from([f.name for f in files])))
    changed = data.draw(st.sets(st.sampled_from([f.name for f in files])))
    for name in changed:
        entry = listing[prefix + name]
        listing[prefix + name] = ListedEntry((entry.size or 0) + 1, entry.mtime)
    for name in gone:
        del listing[prefix + name]
    got = differing_files(rel_dir, files, listing, limit=len(files))
    assert got == tuple(sorted(gone | changed))
    assert differing_files(rel_dir, files, exact_listing(rel_dir, files), limit=0) == ()


def test_more_differences_than_the_limit_mean_unavailable() -> None:
    files = tuple(MasterFile(f"f{i}.rpm", 10, 100) for i in range(5))
    listing = {"Packages/f0.rpm": ListedEntry(10, 100), "Packages/f1.rpm": ListedEntry(10, 100)}
    assert differing_files("Packages", files, listing, limit=3) == (
        "f2.rpm",
        "f3.rpm",
        "f4.rpm",
    )
    assert differing_files("Packages", files, listing, limit=2) is None
    # an older copy of a file differs too; a symlink counts as present
    listing["Packages/f2.rpm"] = ListedEntry(10, 50)
    listing["Packages/f3.rpm"] = ListedEntry(None, None, is_link=True)
    assert differing_files("Packages", files, listing, limit=3) == ("f2.rpm", "f4.rpm")


def test_bounded_differences_sorts_dedups_and_bounds() -> None:
    assert bounded_differences(["b", "a", "b"], 2) == ("a", "b")
    assert bounded_differences(["b", "a", "c"], 2) is None
    assert bounded_differences([], 0) == ()


def test_row_changes_record_differing_files() -> None:
    existing = {1: (101, True), 2: (102, False), 3: (103, False), 4: (104, True)}
    verdicts = {1: False, 2: False, 3: True, 5: False, 6: False, 7: True}
    differing = {1: ("new.rpm",), 5: ("x.rpm", "y.rpm")}
    changes = plan_row_changes(existing, verdicts, complete=True, differing=differing)
    assert changes.insert == (7,)
    # a stale directory the mirror holds, lacking two files, gets a row; 6 (no list) none
    assert changes.insert_partial == ((5, ("x.rpm", "y.rpm")),)
    assert changes.mark_stale == (101, 104)
    assert changes.mark_current == (103,)
    # every stale row gets its list replaced: 1 partial, 2 stale as a whole (was partial
    # maybe), 4 not judged in a complete crawl
    assert dict(changes.differing) == {101: ("new.rpm",), 102: None, 104: None}


def test_an_unknown_verdict_keeps_the_list() -> None:
    changes = plan_row_changes({1: (101, False)}, {1: None}, complete=False, differing={})
    assert changes.differing == () and changes.touched == ()
