"""Exceptions carry the thing at fault as attributes, not only in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirrormanager.errors import ConfigError, FormatError, MirrorManagerError, TransferError
from mirrormanager.snapshot.store import load_snapshot


def test_the_thing_at_fault_is_an_attribute() -> None:
    error = ConfigError("bad", hint="fix it", setting="web_bind", path=Path("/etc/mm.toml"))
    assert (error.setting, error.path, error.url, error.host) == (
        "web_bind",
        "/etc/mm.toml",
        None,
        None,
    )
    assert str(error) == "bad (fix it)" and error.exit_code == 2
    transfer = TransferError("down", url="https://example.org/s")
    assert transfer.url == "https://example.org/s" and isinstance(transfer, MirrorManagerError)


def test_an_unreadable_snapshot_names_its_path(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as caught:
        load_snapshot(tmp_path / "missing.snapshot")
    assert caught.value.path == str(tmp_path / "missing.snapshot")
    (tmp_path / "empty.snapshot").write_bytes(b"")
    with pytest.raises(FormatError) as caught:
        load_snapshot(tmp_path / "empty.snapshot")
    assert caught.value.path == str(tmp_path / "empty.snapshot")
