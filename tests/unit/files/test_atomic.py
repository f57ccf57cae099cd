"""The one atomic-write helper: whole file or nothing, previous generation kept on request."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mirrormanager.files import atomic
from mirrormanager.files.atomic import write_atomic


def test_writes_bytes_and_text_with_a_readable_mode(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "folder" / "file.txt"
    assert write_atomic(target, "grüße\n") == target
    assert target.read_text(encoding="utf-8") == "grüße\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    write_atomic(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


def test_keep_previous_copies_the_replaced_generation(tmp_path: Path) -> None:
    target = tmp_path / "mirrorlist.snapshot"
    write_atomic(target, b"first", keep_previous="old")
    assert not (tmp_path / "old").exists()  # nothing to keep yet
    write_atomic(target, b"second", keep_previous="old")
    assert target.read_bytes() == b"second"
    assert (tmp_path / "old" / "mirrorlist.snapshot").read_bytes() == b"first"
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["mirrorlist.snapshot"]


def test_a_failed_write_leaves_the_target_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file"
    write_atomic(target, b"good")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"never seen")
    assert target.read_bytes() == b"good"
    assert os.listdir(tmp_path) == ["file"]


def test_the_folder_is_fsynced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    monkeypatch.setattr(atomic, "fsync_dir", synced.append)
    write_atomic(tmp_path / "a", b"x", keep_previous="old")
    write_atomic(tmp_path / "a", b"y", keep_previous="old")
    assert synced == [tmp_path, tmp_path / "old", tmp_path]
