from __future__ import annotations

import os
from pathlib import Path

import pytest

from mirrormanager.scanner.walk import CategoryWalker, KnownDir, everyone_can_read

LATER = lambda: 4_000_000_000.0  # noqa: E731  (a clock far past every ctime)


def tree(root: Path) -> None:
    for rel in ["a/b", "a/c", "d"]:
        (root / rel).mkdir(parents=True)
    (root / "a" / "b" / "f.rpm").write_bytes(b"12345")
    (root / "top.txt").write_bytes(b"x")


def known_from(walker_output: list, ids: bool = True) -> dict[str, KnownDir]:
    return {o.relpath: KnownDir(i, o.ctime, o.readable) for i, o in enumerate(walker_output, 1)}


def test_first_walk_lists_everything(tmp_path: Path) -> None:
    tree(tmp_path)
    seen = list(CategoryWalker(str(tmp_path), {}, clock=LATER).walk())
    assert [o.relpath for o in seen] == ["", "a", "a/b", "a/c", "d"]
    assert all(o.listed for o in seen)
    by_path = {o.relpath: o for o in seen}
    assert [(f.name, f.size) for f in by_path["a/b"].files or []] == [("f.rpm", 5)]
    assert by_path[""].subdirs is not None and sorted(by_path[""].subdirs) == ["a", "d"]


def test_rescan_stats_but_does_not_list_unchanged(tmp_path: Path) -> None:
    tree(tmp_path)
    first = list(CategoryWalker(str(tmp_path), {}, clock=LATER).walk())
    known = known_from(first)
    walker = CategoryWalker(str(tmp_path), known, clock=LATER)
    second = list(walker.walk())
    assert {o.relpath for o in second} == set(known)
    assert not any(o.listed for o in second)
    assert walker.report.listed == 0


def test_change_in_one_directory_lists_only_it(tmp_path: Path) -> None:
    tree(tmp_path)
    known = known_from(list(CategoryWalker(str(tmp_path), {}, clock=LATER).walk()))
    # pretend the stored ctime of a/c is older, as after a change
    known["a/c"] = KnownDir(known["a/c"].id, known["a/c"].ctime - 5, True)
    (tmp_path / "a" / "c" / "new").mkdir()
    seen = {o.relpath: o for o in CategoryWalker(str(tmp_path), known, clock=LATER).walk()}
    assert seen["a/c"].listed
    assert "a/c/new" in seen and seen["a/c/new"].listed
    assert not seen["a"].listed


def test_same_second_change_is_not_trusted(tmp_path: Path) -> None:
    tree(tmp_path)
    now = lambda: float(os.stat(tmp_path).st_ctime)  # noqa: E731
    seen = list(CategoryWalker(str(tmp_path), {}, clock=now).walk())
    assert seen[0].ctime == 0  # will be listed again next time


def test_excluded_directories_are_left_alone(tmp_path: Path) -> None:
    tree(tmp_path)
    (tmp_path / "a" / ".snapshot").mkdir()
    import re

    walker = CategoryWalker(
        str(tmp_path), {}, excludes=[re.compile(r"(.*/)?\.snapshot")], clock=LATER
    )
    seen = [o.relpath for o in walker.walk()]
    assert "a/.snapshot" not in seen
    assert "a/.snapshot" in walker.report.untouched


def test_symlinks_not_followed_and_loops_reported(tmp_path: Path) -> None:
    tree(tmp_path)
    os.symlink("..", tmp_path / "a" / "loop")
    os.symlink("b", tmp_path / "a" / "alias")
    walker = CategoryWalker(str(tmp_path), {}, clock=LATER)
    seen = [o.relpath for o in walker.walk()]
    assert "a/loop" not in seen and "a/alias" not in seen
    assert [p for p, m in walker.report.problems if "symlink loop" in m] == ["a/loop"]


def test_non_utf8_names_are_reported_and_skipped(tmp_path: Path) -> None:
    tree(tmp_path)
    os.mkdir(os.path.join(os.fsencode(tmp_path), b"bad\xff"))
    walker = CategoryWalker(str(tmp_path), {}, clock=LATER)
    seen = [o.relpath for o in walker.walk()]
    assert len(seen) == 5
    assert any("not valid UTF-8" in m for _, m in walker.report.problems)


def test_unlistable_directory_is_reported_not_vanished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(tmp_path)
    real = os.scandir

    def scandir(path: str) -> object:
        if path.endswith("/a"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    walker = CategoryWalker(str(tmp_path), {}, clock=LATER)
    seen = {o.relpath: o for o in walker.walk()}
    assert seen["a"].readable is False
    assert "a" in walker.report.untouched
    assert any(p == "a" and "permission denied" in m for p, m in walker.report.problems)


def test_mode_bits_decide_readability() -> None:
    assert everyone_can_read(0o755)
    assert not everyone_can_read(0o750)
    assert not everyone_can_read(0o751)
