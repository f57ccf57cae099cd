"""The native snapshot codec: frozen header layout, round trips, and every corruption refused."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import struct
import zlib
from pathlib import Path

import msgpack
import pytest
from hypothesis import given, settings

from mirrormanager.core.snapshot_model import DirectoryEntry
from mirrormanager.errors import FormatError
from mirrormanager.formats import snapshot_codec
from mirrormanager.formats.snapshot_codec import HEADER_SIZE, MAGIC, decode, encode, read_header
from tests.data.snapshots import snapshots, tiny_snapshot

# sha256 of encode(tiny_snapshot(), compress=False): changes only with a format change, which
# needs a new FORMAT_VERSION (and this constant updated on purpose).
# host rows grew reachability and position (issue 13), directories per-file coverage
GOLDEN_SHA256 = "3f3cd22c7bf895a1c634471e4838ff8778949657882dc4c2b42a47659d8e69e1"
# The same snapshot written by format version 1 (before per-file precision), kept to prove
# that old files still load.
GOLDEN_V1 = Path(__file__).parents[2] / "data" / "golden" / "snapshot_v1_tiny.snap"


def test_header_layout_is_frozen() -> None:
    raw = encode(tiny_snapshot(), compress=False)
    assert HEADER_SIZE == 72
    assert raw[:7] == b"MMSNAP\x00" == MAGIC
    assert raw[7] == 2  # format version
    assert raw[8] == 0  # flags: not compressed
    assert raw[9:12] == b"\x00\x00\x00"
    assert struct.unpack(">Q", raw[12:20])[0] == 5  # serial
    assert struct.unpack(">q", raw[20:28])[0] == 1_790_000_100  # created
    body = raw[HEADER_SIZE:]
    assert struct.unpack(">Q", raw[28:36])[0] == len(body)
    assert raw[36:68] == hashlib.sha256(body).digest()
    assert struct.unpack(">I", raw[68:72])[0] == zlib.crc32(raw[:68])


def test_golden_bytes_of_a_tiny_snapshot() -> None:
    raw = encode(tiny_snapshot(), compress=False)
    assert hashlib.sha256(raw).hexdigest() == GOLDEN_SHA256
    body = msgpack.unpackb(raw[HEADER_SIZE:])
    assert list(body) == [
        "hosts", "urls", "pairs", "sets", "dirs", "repos", "disabled", "repo_redirects",
        "continent_redirects", "netblock_countries", "asn_cidrs", "asn_numbers", "embargoed",
        "locations", "file_names", "file_sets",
    ]  # fmt: skip
    # Three directories, two distinct host sets: equal sets are stored once.
    assert len(body["sets"]) == 2 and len(body["pairs"]) == 3


@pytest.mark.parametrize("compress", [True, False])
def test_round_trip_of_the_tiny_snapshot(compress: bool) -> None:
    snap = tiny_snapshot()
    raw = encode(snap, compress=compress)
    assert decode(raw) == snap
    header = read_header(raw)
    assert (header.serial, header.created, header.compressed) == (5, 1_790_000_100, compress)
    assert header.file_size == len(raw)


def test_decoded_equal_host_sets_are_one_object() -> None:
    snap = decode(encode(tiny_snapshot()))
    dirs = list(snap.directories.values())
    assert dirs[0].hosts is dirs[1].hosts
    assert dirs[0].hosts[0] is dirs[2].hosts[0]


def test_compression_pays_off() -> None:
    snap = tiny_snapshot()
    assert len(encode(snap)) < len(encode(snap, compress=False))


@given(snapshots())
@settings(max_examples=150, deadline=None)
def test_round_trip_any_snapshot(snap) -> None:  # type: ignore[no-untyped-def]
    assert decode(encode(snap)) == snap
    assert decode(encode(snap, compress=False)) == snap


def test_read_header_from_a_file_object_and_a_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw = encode(tiny_snapshot())
    path = tmp_path / "s.snap"
    path.write_bytes(raw)
    assert read_header(io.BytesIO(raw)) == read_header(path) == read_header(str(path))
    with pytest.raises(FormatError, match="cannot read"):
        read_header(tmp_path / "missing")


def test_truncation_at_every_position_is_refused() -> None:
    raw = encode(tiny_snapshot())
    for cut in range(len(raw)):
        with pytest.raises(FormatError):
            decode(raw[:cut])


def test_every_flipped_byte_is_refused() -> None:
    raw = encode(tiny_snapshot())
    for position in range(len(raw)):
        damaged = bytearray(raw)
        damaged[position] ^= 0x5A
        with pytest.raises(FormatError):
            decode(bytes(damaged))


def _with_header(raw: bytes, **changes: object) -> bytes:
    magic, version, flags, serial, created, length, digest = snapshot_codec._HEAD.unpack(raw[:68])
    fields = {"version": version, "flags": flags, "length": length, "digest": digest}
    fields.update(changes)
    head = snapshot_codec._HEAD.pack(
        magic, fields["version"], fields["flags"], serial, created, fields["length"],
        fields["digest"],
    )  # fmt: skip
    return head + struct.pack(">I", zlib.crc32(head)) + raw[HEADER_SIZE:]


def _with_body(raw: bytes, body: bytes) -> bytes:
    return (
        _with_header(raw, length=len(body), digest=hashlib.sha256(body).digest())[:HEADER_SIZE]
        + body
    )


@pytest.mark.parametrize(
    "damage,reason",
    [
        (lambda raw: b"", "bad magic"),
        (lambda raw: b"PK\x03\x04" + raw[4:], "bad magic"),
        (lambda raw: raw[:40], "header has 40 of 72"),
        (lambda raw: raw[:-1], "truncated: body"),
        (lambda raw: raw + b"\x00", "trailing data"),
        (lambda raw: raw[:20] + b"\x01" + raw[21:], "header checksum"),
        (lambda raw: raw[:-3] + b"abc", "sha256 mismatch"),
        (lambda raw: _with_header(raw, version=3), "format version 3 is not supported"),
        (lambda raw: _with_header(raw, version=0), "format version 0 is not supported"),
        (lambda raw: _with_header(raw, flags=0x80), "unknown flags"),
        (lambda raw: _with_header(raw, flags=1), "does not decompress"),
        (lambda raw: _with_body(raw, b"\xc1"), "malformed"),
        (lambda raw: _with_body(raw, msgpack.packb([1, 2])), "not a map"),
        (lambda raw: _with_body(raw, msgpack.packb({"hosts": []})), "malformed: KeyError"),
    ],
)
def test_corruption_table(damage, reason: str) -> None:  # type: ignore[no-untyped-def]
    raw = encode(tiny_snapshot(), compress=False)
    with pytest.raises(FormatError, match=reason):
        decode(damage(raw))


def test_wrong_types_in_a_well_formed_body_are_refused() -> None:
    raw = encode(tiny_snapshot(), compress=False)
    body = msgpack.unpackb(raw[HEADER_SIZE:])
    body["urls"][0][2] = 12345  # a URL that is not a string
    with pytest.raises(FormatError, match="expected a string"):
        decode(_with_body(raw, msgpack.packb(body)))
    body = msgpack.unpackb(raw[HEADER_SIZE:])
    body["dirs"][0][2] = 99  # a host set that does not exist
    with pytest.raises(FormatError, match="IndexError"):
        decode(_with_body(raw, msgpack.packb(body)))
    body = msgpack.unpackb(raw[HEADER_SIZE:])
    body["sets"][0] = [0, 1]  # members must be packed uint32
    with pytest.raises(FormatError, match="packed array"):
        decode(_with_body(raw, msgpack.packb(body)))
    body["sets"][0] = struct.pack("<3I", 0, 1, 7)  # a pair that does not exist
    with pytest.raises(FormatError, match="IndexError"):
        decode(_with_body(raw, msgpack.packb(body)))


def test_serial_does_not_fit_in_the_header() -> None:
    with pytest.raises(ValueError, match="serial -1"):
        encode(dataclasses.replace(tiny_snapshot(), serial=-1))


def test_a_version_1_file_still_loads() -> None:
    raw = GOLDEN_V1.read_bytes()
    assert read_header(raw).version == 1
    snap = decode(raw)
    assert snap == tiny_snapshot()
    assert all(not d.partial and not d.recent for d in snap.directories.values())


def _with_coverage() -> tuple[DirectoryEntry, DirectoryEntry]:
    base = tiny_snapshot().directories["pub/fedora/linux/releases/41"]
    first = dataclasses.replace(
        base,
        partial=((2, (20,)), (3, (30,))),
        missing={2: frozenset({"new.iso", "CHECKSUM"}), 3: frozenset({"new.iso", "CHECKSUM"})},
        recent={"new.iso": 1_790_000_050},
        verified={1: 1_790_000_000},
    )
    second = dataclasses.replace(
        base, name="pub/fedora/linux/releases/42", missing={}, partial=((2, (20,)),)
    )
    return first, second


def test_per_file_coverage_round_trips_with_interned_names() -> None:
    first, second = _with_coverage()
    second = dataclasses.replace(second, missing={2: frozenset({"CHECKSUM", "new.iso"})})
    snap = dataclasses.replace(
        tiny_snapshot(),
        directories={**tiny_snapshot().directories, first.name: first, second.name: second},
    )
    raw = encode(snap, compress=False)
    body = msgpack.unpackb(raw[HEADER_SIZE:])
    assert sorted(body["file_names"]) == ["CHECKSUM", "new.iso"]  # each name once
    assert len(body["file_sets"]) == 1  # the equal sets of three hosts, once
    assert [row[5] is None for row in body["dirs"]] == [True, True, False, False]
    back = decode(raw)
    assert back == snap
    loaded = back.directories
    assert loaded[first.name].missing[2] is loaded[second.name].missing[2]


def test_a_coverage_row_naming_a_missing_name_set_is_refused() -> None:
    first, _ = _with_coverage()
    snap = dataclasses.replace(tiny_snapshot(), directories={first.name: first})
    raw = encode(snap, compress=False)
    body = msgpack.unpackb(raw[HEADER_SIZE:])
    body["dirs"][0][5][1][0][1] = 7  # a name set that does not exist
    with pytest.raises(FormatError, match="IndexError"):
        decode(_with_body(raw, msgpack.packb(body)))


def test_host_reachability_and_position_round_trip_and_old_rows_decode() -> None:
    snap = tiny_snapshot()
    first = next(iter(snap.hosts.values()))
    placed = dataclasses.replace(
        first, reachable_ipv4=True, reachable_ipv6=False, latitude=24.7, longitude=46.7
    )
    snap = dataclasses.replace(snap, hosts={**snap.hosts, first.id: placed})
    assert decode(encode(snap)).hosts[first.id] == placed
    # a file written before the fields existed: 14-field host rows, all unknown
    raw = encode(tiny_snapshot(), compress=False)
    body = msgpack.unpackb(raw[HEADER_SIZE:], use_list=False)
    body["hosts"] = [row[:14] for row in body["hosts"]]
    old = decode(_with_body(raw, msgpack.packb(body)))
    assert {(h.reachable_ipv6, h.latitude) for h in old.hosts.values()} == {(None, None)}


def _with_body(raw: bytes, body: bytes) -> bytes:
    """`raw`'s header around another uncompressed body (length, checksum and crc fixed)."""
    head = bytearray(raw[:HEADER_SIZE])
    head[28:36] = struct.pack(">Q", len(body))
    head[36:68] = hashlib.sha256(body).digest()
    head[68:72] = struct.pack(">I", zlib.crc32(bytes(head[:68])))
    return bytes(head) + body
