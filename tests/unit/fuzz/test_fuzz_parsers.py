"""Property tests for every parser of outside data: whatever the bytes, the parser answers
or raises its documented error type, never anything else.

Inputs are bounded in size and the example counts kept small so the suite stays fast; the
mirrorlist query parser and app are fuzzed in tests/unit/mirrorlist/test_query.py and
tests/functional/mirrorlist/test_app.py. (The crawler has no HTML directory-listing parser
today: it reads rsync listings, fullfiletimelist files and HEAD answers.)
"""

from __future__ import annotations

import base64
import bz2
import contextlib
import io
import json
import os
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.checkin.app import parse_xmlrpc_call
from mirrormanager.checkin.payload import (
    CheckinReport,
    decode_xmlrpc_argument,
    encode_xmlrpc_argument,
    parse_json_document,
    validate,
)
from mirrormanager.crawler.listing import parse_line, parse_listing
from mirrormanager.errors import FormatError
from mirrormanager.formats.checksums import parse_checksums
from mirrormanager.formats.json_bounded import loads_bounded
from mirrormanager.formats.mm2_protobuf import mm2_to_snapshot, snapshot_to_mm2
from mirrormanager.formats.repomd import RepomdData, build_repomd, parse_repomd
from mirrormanager.formats.snapshot_codec import decode, encode
from mirrormanager.formats.timelist import EntryError, TimelistReader, parse_entry
from mirrormanager.stats.logparse import count_block, parse_stream
from tests.data.snapshots import tiny_snapshot

# MM_FUZZ_EXAMPLES=20000 for a deeper run than the suite's quick one.
FAST = settings(max_examples=int(os.environ.get("MM_FUZZ_EXAMPLES", "200")), deadline=None)


def mutations(valid: bytes) -> st.SearchStrategy[bytes]:
    """A valid document with a few bytes replaced, inserted or cut off."""

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["flip", "insert", "truncate"]))
            at = draw(st.integers(0, max(len(data) - 1, 0)))
            if kind == "flip" and data:
                data[at] ^= draw(st.integers(1, 255))
            elif kind == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
            else:
                del data[at:]
        return bytes(data)

    return mutate()


# --- repomd.xml -------------------------------------------------------------------------
REPOMD = build_repomd(
    "1730000000",
    [
        RepomdData(
            type="primary",
            checksum_type="sha256",
            checksum="a" * 64,
            href="repodata/primary.xml.gz",
            timestamp=1730000000,
            size=1234,
            open_checksum="b" * 64,
            open_size=5678,
        )
    ],
)


@FAST
@given(st.one_of(st.binary(max_size=2000), mutations(REPOMD)))
def test_repomd_refuses_with_format_error_only(raw: bytes) -> None:
    try:
        parsed = parse_repomd(raw)
    except FormatError:
        return
    assert isinstance(parsed.revision, str)


# --- checksum files ---------------------------------------------------------------------
_CHECKSUM_TEXT = st.text(
    alphabet=st.sampled_from([*list(string.hexdigits + " *()=\n\t#-:SHA256MD5.iso"), "é", "\x00"]),
    max_size=600,
)


@FAST
@given(st.one_of(_CHECKSUM_TEXT, st.text(max_size=400)))
def test_checksum_files_never_raise(text: str) -> None:
    found = parse_checksums(text)
    for digests in found.values():
        for algorithm, digest in digests.items():
            assert algorithm in {"md5", "sha1", "sha256", "sha512"}
            assert all(c in string.hexdigits for c in digest)


# --- fullfiletimelist ---------------------------------------------------------------------
TIMELIST = (
    b"[Version]\n2\n\n[Files]\n1730000000\td\t4096\tpub/epel/9\n"
    b"1730000001\tf\t123\tpub/epel/9/repodata/repomd.xml\n\n[Checksums SHA1]\n"
)


@FAST
@given(st.one_of(st.binary(max_size=1500), mutations(TIMELIST)), st.integers(1, 64))
def test_timelists_read_in_any_chunks_never_raise(raw: bytes, chunk: int) -> None:
    reader = TimelistReader("pub/epel/")
    for start in range(0, len(raw), chunk):
        reader.feed(raw[start : start + chunk])
    reader.close()
    assert reader.garbage >= 0 and isinstance(reader.valid, bool)


@FAST
@given(st.binary(max_size=300), st.sampled_from(["", "pub/", "pub/epel/"]))
def test_timelist_lines_raise_entry_error_only(raw: bytes, prefix: str) -> None:
    with contextlib.suppress(EntryError):
        parse_entry(raw, prefix)


# --- rsync listings -----------------------------------------------------------------------
_RSYNC_LINE = st.builds(
    "{}{} {} {} {} {}".format,
    st.sampled_from(["d", "-", "l", "x"]),
    st.text(alphabet="rwxsStT-", min_size=8, max_size=10),
    st.text(alphabet="0123456789,.", min_size=1, max_size=12),
    st.text(alphabet="0123456789/", min_size=8, max_size=12),
    st.text(alphabet="0123456789:", min_size=6, max_size=10),
    st.text(max_size=40),
)


@FAST
@given(st.lists(st.one_of(_RSYNC_LINE, st.text(max_size=80)), max_size=30))
def test_rsync_listings_never_raise(lines: list[str]) -> None:
    for line in lines:
        parsed = parse_line(line)
        assert parsed is None or isinstance(parsed[0], str)
    listing = parse_listing(lines)
    assert listing.garbage <= listing.lines


# --- check-in documents -------------------------------------------------------------------
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)
GOOD_DOCUMENT: dict[str, Any] = {
    "version": 0,
    "site": {"name": "s", "password": "p"},
    "host": {"name": "h"},
    "epel": {"dirtree": {"9": {}, "9/x86_64": {}}},
}


@FAST
@given(st.one_of(st.binary(max_size=500), mutations(json.dumps(GOOD_DOCUMENT).encode())))
def test_json_check_ins_raise_format_error_only(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        validate(parse_json_document(raw))


@FAST
@given(st.dictionaries(st.text(max_size=10), _JSON, max_size=6))
def test_any_json_object_validates_or_says_why(document: dict[str, Any]) -> None:
    merged = {**GOOD_DOCUMENT, **document}
    try:
        report = validate(merged)
    except FormatError as exc:
        assert exc.message
        return
    assert isinstance(report, CheckinReport)


@FAST
@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        st.binary(max_size=300).map(lambda b: base64.b64encode(bz2.compress(b)).decode()),
        mutations(encode_xmlrpc_argument(GOOD_DOCUMENT).encode()).map(
            lambda b: b.decode("latin-1")
        ),
    )
)
def test_xmlrpc_arguments_raise_format_error_only(data: str) -> None:
    with contextlib.suppress(FormatError):
        decode_xmlrpc_argument(data, max_decompressed=1 << 16)


XMLRPC_CALL = (
    b"<?xml version='1.0'?><methodCall><methodName>checkin</methodName><params><param>"
    b"<value><string>QlpoOTFBWSZTWQ</string></value></param></params></methodCall>"
)


@FAST
@given(st.one_of(st.binary(max_size=600), mutations(XMLRPC_CALL)))
def test_xmlrpc_calls_raise_format_error_only(raw: bytes) -> None:
    try:
        method, params = parse_xmlrpc_call(raw)
    except FormatError:
        return
    assert isinstance(method, str) and all(isinstance(p, str) for p in params)


@FAST
@given(st.integers(1, 5000), st.sampled_from(["[", '{"a":', "[{", '{"":[']))
def test_nesting_of_any_depth_parses_or_is_refused(depth: int, opener: str) -> None:
    try:
        loads_bounded(opener * depth)
    except FormatError:
        pass
    except ValueError:
        pass  # unterminated: json's own error, a ValueError as documented


# --- snapshots: native codec and MirrorManager2 protobuf ------------------------------------
SNAPSHOT = encode(tiny_snapshot())
MM2 = snapshot_to_mm2(tiny_snapshot())


@FAST
@given(mutations(SNAPSHOT))
def test_a_corrupt_snapshot_is_always_refused(raw: bytes) -> None:
    try:
        decoded = decode(raw)
    except FormatError as exc:
        assert "snapshot" in exc.message
        return
    assert raw == SNAPSHOT and decoded == tiny_snapshot()  # only an undone change passes


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_are_no_snapshot(raw: bytes) -> None:
    try:
        decode(raw)
    except FormatError:
        return
    raise AssertionError("random bytes decoded as a snapshot")


@FAST
@given(st.one_of(st.binary(max_size=400), mutations(MM2)))
def test_mm2_protobuf_raises_format_error_only(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        mm2_to_snapshot(raw)


# --- access log lines -------------------------------------------------------------------------
LOG_LINE = b"192.0.2.1\t2026-11-30T12:00:00Z\tDE\tfedora-41\tx86_64\tmetalink\n"


@FAST
@given(st.lists(st.one_of(st.binary(max_size=60), mutations(LOG_LINE)), max_size=20))
def test_access_log_blocks_never_raise(lines: list[bytes]) -> None:
    block = b"\n".join(lines) + b"\n"
    counted = count_block(block)
    assert counted.lines == block.count(b"\n")
    assert counted.malformed <= counted.lines
    result = parse_stream(io.BytesIO(block), block_size=64)
    assert result.lines == counted.lines
