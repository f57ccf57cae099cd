"""The app's query parsing is `parse_qsl(..., keep_blank_values=True)`, first value wins;
its plain-query path also tells whether the handler's control-character check would pass."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.mirrorlist.handlers import control_character
from mirrormanager.mirrorlist.query import parse_plain_py, parse_query


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


# --- parse_plain: a query with nothing to decode, and whether it is free of control
# characters (`parse_plain_py` here; the compiled `_query.parse` in test_query_native) ---

QUERY_BYTES = list(b"ab=&%+\x00\x01\x09\x0a\x1f\x20\x7e\x7f\x80\x9f\xa0\xad\xff")
PLAIN_BYTES = [b for b in QUERY_BYTES if b not in b"%+"]


def fields(alphabet: list[int], max_size: int) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(alphabet), max_size=max_size).map(bytes)


# any bytes; the bytes that matter, often; no %/+ (so parsed); names repeated and
# fields empty on purpose; long ones (a field repeated up to the server's 4 KB and past)
QUERIES = st.one_of(
    st.binary(max_size=120),
    fields(QUERY_BYTES, 60),
    fields(PLAIN_BYTES, 60),
    st.lists(
        st.tuples(
            st.sampled_from([b"repo", b"arch", b"", b"\x00", b"x\x7f"]), fields(PLAIN_BYTES, 8)
        ),
        max_size=12,
    ).map(lambda pairs: b"&".join(name + b"=" + value for name, value in pairs)),
    st.tuples(fields(PLAIN_BYTES, 12), st.integers(1, 600)).map(lambda t: t[0] * t[1]),
)


def expected(raw: bytes) -> tuple[dict[str, str], bool] | None:
    """What `parse_plain` must give: `parse_query` and the handler's own verdict."""
    if b"%" in raw or b"+" in raw:
        return None
    params = parse_query(raw)
    return params, control_character(params) is None


def test_parse_plain_examples() -> None:
    assert parse_plain_py(b"repo=fedora-41&arch=x86_64&&repo=x&time&=v&a=b=c") == (
        {"repo": "fedora-41", "arch": "x86_64", "time": "", "": "v", "a": "b=c"},
        True,
    )
    assert parse_plain_py(b"") == ({}, True)
    assert parse_plain_py(b"a=%41") is None and parse_plain_py(b"a=b+c") is None
    assert parse_plain_py(b"repo=f\x0a&arch=x") == ({"repo": "f\n", "arch": "x"}, False)
    # a high byte is one character and no control character (U+00A0 is not printable)
    assert parse_plain_py(b"p=\xa0\xff") == ({"p": "\xa0\xff"}, True)
    # only what is kept counts: a repeated name's control character is never answered
    assert parse_plain_py(b"repo=a&repo=\x00") == ({"repo": "a"}, True)
    assert parse_plain_py(b"\x7f&\x7f=1") == ({"\x7f": ""}, False)


@settings(max_examples=2000, deadline=None)
@given(QUERIES)
def test_parse_plain_is_parse_query_and_the_control_check(raw: bytes) -> None:
    assert parse_plain_py(raw) == expected(raw)
    if b"%" not in raw and b"+" not in raw:  # and so is the reference, parse_qsl
        assert parse_query(raw) == reference(raw)
