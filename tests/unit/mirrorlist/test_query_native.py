"""The compiled query parser (`_query.c`) against `parse_query` and the handler's
control-character check."""

from __future__ import annotations

import gc
import sys

import pytest
from hypothesis import given, settings

from mirrormanager.mirrorlist.query import parse_plain_py
from tests.compiled_modules import require
from tests.unit.mirrorlist.test_query import QUERIES, expected

native = require("mirrormanager.mirrorlist._query")


@settings(max_examples=3000, deadline=None)
@given(QUERIES)
def test_parse_is_parse_query_and_the_control_check(raw: bytes) -> None:
    made = native.parse(raw)
    assert made == expected(raw)
    assert made == parse_plain_py(raw)  # the twin the server uses without the module
    if made is not None:  # every byte is one character, as latin-1 decodes it
        assert all(type(k) is str and type(v) is str for k, v in made[0].items())


def test_examples() -> None:
    query = b"repo=fedora-41&arch=x86_64&country=DE&ip=203.0.113.7"
    assert native.parse(query) == (
        {"repo": "fedora-41", "arch": "x86_64", "country": "DE", "ip": "203.0.113.7"},
        True,
    )
    assert native.parse(b"") == ({}, True)
    assert native.parse(b"&&&") == ({}, True)
    assert native.parse(b"a&b=&=c&a=2&") == ({"a": "", "b": "", "": "c"}, True)
    assert native.parse(b"a=\x00") == ({"a": "\x00"}, False)
    assert native.parse(b"a\x1f=1") == ({"a\x1f": "1"}, False)
    assert native.parse(b"a=1&a=\x00") == ({"a": "1"}, True)  # the repeat is not kept
    assert native.parse(b"p=\x80\xff") == ({"p": "\x80\xff"}, True)
    assert native.parse(b"a=%00") is None and native.parse(b"+") is None


def test_only_bytes_are_read() -> None:
    for hostile in ("repo=x", None, bytearray(b"repo=x"), memoryview(b"repo=x"), 1, [b"a"]):
        with pytest.raises(TypeError):
            native.parse(hostile)
    with pytest.raises(TypeError):
        native.parse()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        native.parse(b"a", b"b")  # type: ignore[call-arg]

    class Raw(bytes):
        pass

    assert native.parse(Raw(b"a=1&a=2")) == ({"a": "1"}, True)  # a bytes subclass is bytes


def test_parse_keeps_reference_counts() -> None:
    queries = [
        b"repo=fedora-41&arch=x86_64&country=DE&ip=203.0.113.7",
        b"a&a=\x00&=&b=\xff&c=1",
        b"a=%41",
        b"",
        b"x" * 4096,
    ]
    watched = [*queries, True, False, None, "", "a", "\xff"]  # the last three: singletons
    gc.collect()
    objects = len(gc.get_objects())  # a leaked answer (its tuple, its dict) stays tracked
    before = [sys.getrefcount(x) for x in watched]
    for n in range(2000):
        native.parse(queries[n % len(queries)])
    assert [sys.getrefcount(x) for x in watched] == before
    gc.collect()
    assert len(gc.get_objects()) - objects < 100
