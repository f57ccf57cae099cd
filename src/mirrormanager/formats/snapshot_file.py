"""Which codec a snapshot file is in, and decoding either (pure).

The mirrorlist server and the snapshot tools read both our native format and
MirrorManager2's protobuf cache; this is the one place that tells them apart.
"""

from __future__ import annotations

from mirrormanager.core.snapshot_model import Snapshot
from mirrormanager.errors import FormatError
from mirrormanager.formats import mm2_protobuf, snapshot_codec


def detect_format(raw: bytes | bytearray | memoryview) -> str:
    """``native`` (our magic) or ``mm2-protobuf`` (anything else is tried as protobuf)."""
    if bytes(raw[: len(snapshot_codec.MAGIC)]) == snapshot_codec.MAGIC:
        return "native"
    return "mm2-protobuf"


def decode_any(raw: bytes, *, source: str = "snapshot") -> Snapshot:
    """Decode a native or MirrorManager2 protobuf snapshot, validating it."""
    if not raw:
        raise FormatError(f"{source} is empty")
    if detect_format(raw) == "native":
        return snapshot_codec.decode(raw)
    return mm2_protobuf.mm2_to_snapshot(raw)
