"""The app's query parsing is `parse_qsl(..., keep_blank_values=True)`, first value wins."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.mirrorlist.app import parse_query


def reference(raw: bytes) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        params.setdefault(key, value)
    return params


def test_examples() -> None:
    raw = b"repo=fedora-41&arch=x86_64&&country=de,%41T&repo=x&time&p=a+b%2Fc%ff&=v"
    assert parse_query(raw) == reference(raw)
    assert parse_query(b"") == {}
    plain = b"repo=fedora-41&arch=x86_64&&repo=x&time&=v&a=b=c"  # nothing to decode
    assert parse_query(plain) == reference(plain)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(list(b"ab=&%+2FfE9;\x00\xff\xc3\xa9 ")), max_size=40).map(bytes))
def test_same_as_parse_qsl_on_tricky_bytes(raw: bytes) -> None:
    assert parse_query(raw) == reference(raw)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=80))
def test_same_as_parse_qsl_on_any_bytes(raw: bytes) -> None:
    assert parse_query(raw) == reference(raw)
