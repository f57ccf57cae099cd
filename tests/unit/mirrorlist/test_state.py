"""Loading snapshot files: the real codec round trip, and refusal of bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirrormanager.errors import FormatError
from mirrormanager.mirrorlist.state import SnapshotHolder, default_decoder, load
from tests.data import snapshots as data

codec = pytest.importorskip("mirrormanager.formats.snapshot_codec")


def test_loads_a_native_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "s"
    path.write_bytes(codec.encode(data.build(serial=42)))
    loaded = load(path, minimum=5, embargoed=(), decoder=default_decoder)
    assert loaded.snapshot.serial == 42
    assert loaded.index.repository_help().startswith("# repo=fedora-40&arch=x86_64\n")


@pytest.mark.parametrize("content", [b"", b"garbage", b"MMSNAP\x00\x01truncated"])
def test_bad_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s"
    path.write_bytes(content)
    with pytest.raises(FormatError):
        load(path, minimum=5, embargoed=(), decoder=default_decoder)
    holder = SnapshotHolder(path)
    assert holder.load_now() is False and holder.current is None


def test_truncated_native_file_is_refused(tmp_path: Path) -> None:
    raw = codec.encode(data.build())
    path = tmp_path / "s"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FormatError):
        load(path, minimum=5, embargoed=(), decoder=default_decoder)
