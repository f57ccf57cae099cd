"""Publishing snapshot files atomically, keeping old/, loading either format."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from mirrormanager.errors import FormatError, LockHeldError
from mirrormanager.formats.mm2_protobuf import snapshot_to_mm2
from mirrormanager.formats.snapshot_codec import encode, read_header
from mirrormanager.formats.snapshot_file import detect_format
from mirrormanager.snapshot import store
from tests.data.snapshots import tiny_snapshot


def test_publish_replaces_atomically_and_keeps_the_previous_generation(tmp_path: Path) -> None:
    target = tmp_path / "mirrorlist.snapshot"
    first = encode(tiny_snapshot())
    second = encode(dataclasses.replace(tiny_snapshot(), serial=6))
    store.publish(first, target)
    assert target.read_bytes() == first
    assert not (tmp_path / "old").exists()  # nothing to keep the first time
    inode = os.stat(target).st_ino
    store.publish(second, target)
    assert target.read_bytes() == second
    assert (tmp_path / "old" / "mirrorlist.snapshot").read_bytes() == first
    assert os.stat(target).st_ino != inode  # renamed over, never rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mirrorlist.snapshot", "old"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_failed_write_leaves_the_live_file_and_no_temp_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "s.snap"
    store.publish(b"live", target, keep_old=False)

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        store.publish(b"new", target)
    assert target.read_bytes() == b"live"
    assert [p.name for p in tmp_path.iterdir()] == ["s.snap"]


def test_load_detects_both_formats(tmp_path: Path) -> None:
    snap = tiny_snapshot()
    native = tmp_path / "a.snap"
    native.write_bytes(encode(snap))
    mm2 = tmp_path / "mirrorlist_cache.proto"
    mm2.write_bytes(snapshot_to_mm2(snap))
    assert store.load_snapshot(native) == snap
    loaded = store.load_snapshot(mm2)
    assert loaded.urls == snap.urls and loaded.created == snap.created
    assert detect_format(native.read_bytes()) == "native"
    assert detect_format(mm2.read_bytes()) == "mm2-protobuf"


@pytest.mark.parametrize(
    "content,reason",
    [(b"", "is empty"), (b"MMSNAP\x00\x01", "truncated"), (b"\xff\xfe garbage", "MirrorManager2")],
)
def test_load_refuses_bad_files_naming_them(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.snap"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=reason) as info:
        store.load_snapshot(path)
    assert str(path) in str(info.value)


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot read snapshot"):
        store.load_snapshot(tmp_path / "nope")


def test_next_serial(tmp_path: Path) -> None:
    path = tmp_path / "s.snap"
    assert store.next_serial(path, 1000) == 1000  # no file: time-based
    path.write_bytes(b"not a snapshot")
    assert store.next_serial(path, 1000) == 1000
    store.publish(encode(tiny_snapshot()), path)
    assert store.next_serial(path, 1000) == read_header(path).serial + 1 == 6


def test_second_publisher_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out" / "s.snap"
    with (
        store.folder_lock(target),
        pytest.raises(LockHeldError, match="another snapshot builder"),
        store.folder_lock(target),
    ):
        pass  # pragma: no cover
    with store.folder_lock(target):  # released again
        pass


def test_loading_needs_no_database_library() -> None:
    """The mirrorlist server loads snapshots through this module and never imports the DB."""
    import subprocess
    import sys

    code = (
        "import sys, mirrormanager.snapshot.store, mirrormanager.formats.snapshot_codec;"
        "print('sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
