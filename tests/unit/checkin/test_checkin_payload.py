"""The report_mirror payload: MirrorManager2's encoding, limits, and no pickle ever."""

from __future__ import annotations

import base64
import bz2
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.checkin import payload
from mirrormanager.checkin.payload import (
    PayloadTooLarge,
    decode_xmlrpc_argument,
    encode_xmlrpc_argument,
    validate,
)
from mirrormanager.errors import FormatError


def mm2_document(**categories: dict[str, Any]) -> dict[str, Any]:
    """What MirrorManager2's report_mirror builds from its config file."""
    document: dict[str, Any] = {
        "version": 0,
        "global": {"enabled": "1", "server": "https://mm.example.org/xmlrpc"},
        "site": {"enabled": "1", "name": "Example Site", "password": "s3cret"},
        "host": {"enabled": "1", "name": "mirror.example.org", "user_active": "yes"},
        "stats": {},
    }
    document.update(categories)
    return document


def mm2_encode(document: dict[str, Any]) -> str:
    """Byte for byte the MirrorManager2 client's encoding (json.dumps, bz2, urlsafe b64)."""
    return base64.urlsafe_b64encode(bz2.compress(json.dumps(document).encode())).decode()


def test_a_mirrormanager2_client_payload_decodes() -> None:
    tree = {"": {}, "releases": {}, "releases/41/": {}, "/updates/41": {}}
    document = mm2_document(**{"fedora linux": {"enabled": "1", "dirtree": tree}})
    report = validate(decode_xmlrpc_argument(mm2_encode(document)))
    assert (report.site, report.password, report.host) == (
        "Example Site",
        "s3cret",
        "mirror.example.org",
    )
    assert report.categories == {"fedora linux": ("", "releases", "releases/41", "updates/41")}
    assert report.user_active is True


@given(
    st.dictionaries(
        st.text(alphabet="abcdefgh", min_size=1, max_size=8),
        st.lists(st.text(alphabet="abc/ 0123", max_size=20), max_size=20),
        max_size=4,
    )
)
def test_encode_decode_round_trip(categories: dict[str, list[str]]) -> None:
    document = mm2_document(
        **{
            f"cat {name}": {"dirtree": {path: {} for path in paths}}
            for name, paths in categories.items()
        }
    )
    assert decode_xmlrpc_argument(encode_xmlrpc_argument(document)) == json.loads(
        json.dumps(document)
    )


class _Evil:
    marker: Path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_payloads_are_refused_and_never_loaded(tmp_path: Path, protocol: int) -> None:
    evil = _Evil()
    evil.marker = tmp_path / "executed"
    data = pickle.dumps({"version": 0, "site": evil}, protocol=protocol)
    encoded = base64.urlsafe_b64encode(bz2.compress(data)).decode()
    with pytest.raises(FormatError, match="pickle payloads are refused"):
        decode_xmlrpc_argument(encoded)
    assert not evil.marker.exists()


def test_a_bz2_bomb_is_refused_cheaply(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused once the limit is passed: at most the limit and one step decompressed,
    not the 20 MiB the bomb holds (counted, not timed)."""
    bomb = base64.urlsafe_b64encode(bz2.compress(b"\0" * (20 << 20))).decode()
    assert len(bomb) < 200
    produced: list[int] = []
    real = bz2.BZ2Decompressor

    class Counting:
        def __init__(self) -> None:
            self._inner = real()

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def decompress(self, data: bytes, max_length: int = -1) -> bytes:
            piece = self._inner.decompress(data, max_length)
            produced.append(len(piece))
            return piece

    monkeypatch.setattr(bz2, "BZ2Decompressor", Counting)
    with pytest.raises(PayloadTooLarge, match="more than 1048576"):
        decode_xmlrpc_argument(bomb, max_decompressed=1 << 20)
    assert 1 << 20 < sum(produced) <= (1 << 20) + payload._STEP


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("!!!not base64", "not base64"),
        (base64.urlsafe_b64encode(b"plain").decode(), "not bz2"),
        (base64.urlsafe_b64encode(bz2.compress(b"[1, 2]")).decode(), "JSON object"),
        (base64.urlsafe_b64encode(bz2.compress(b"{nope")).decode(), "not JSON"),
        (base64.urlsafe_b64encode(bz2.compress(b"{}")[:20]).decode(), "truncated"),
    ],
)
def test_malformed_data(data: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        decode_xmlrpc_argument(data)


def test_validation_rules_name_the_field() -> None:
    good = mm2_document(**{"fedora epel": {"dirtree": {"9": {}}}})
    with pytest.raises(FormatError, match=r"\[site\] password"):
        validate({**good, "site": {"name": "x"}})
    with pytest.raises(FormatError, match=r"lacks the \[host\]"):
        validate({k: v for k, v in good.items() if k != "host"})
    with pytest.raises(FormatError, match="lacks a dirtree"):
        validate({**good, "fedora epel": {"enabled": "1"}})
    with pytest.raises(FormatError, match="disabled"):
        validate({**good, "global": {"enabled": "0"}})
    with pytest.raises(FormatError, match=r"'\.\.'"):
        validate({**good, "fedora epel": {"dirtree": {"../../etc": {}}}})
    with pytest.raises(PayloadTooLarge, match="more than 2 directories"):
        validate({**good, "fedora epel": {"dirtree": ["a", "b", "c"]}}, max_directories=2)


def test_a_bz2_bomb_costs_no_more_memory_than_the_limit() -> None:
    import bz2
    import tracemalloc

    import pytest

    from mirrormanager.checkin.payload import PayloadTooLarge, bounded_bz2

    limit = 8 << 20
    bomb = bz2.compress(b"\0" * (256 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge, match="more than 8388608 bytes"):
            bounded_bz2(bomb, limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit + (3 << 20)
