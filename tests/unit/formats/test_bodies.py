"""The compiled body assembly (`_bodies.c`) against its Python version, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core import compiled
from mirrormanager.formats import bodies, metalink
from tests.compiled_modules import require

native = require("mirrormanager.formats._bodies")

SRC = Path(compiled.__file__).parents[2]  # the code under test, not an installed copy
PREFS = tuple(str(max(1, 100 - rank)).encode() for rank in range(100))


@dataclass(frozen=True, slots=True)
class Record:
    """As `core.selection_index.HostRecord`: slotted, read by offset in C."""

    line: bytes
    segments: tuple[bytes, ...]
    packed: bytes


class Plain:
    """Not slotted: read through getattr in C."""

    def __init__(self, record: Record) -> None:
        self.line = record.line
        self.segments = record.segments
        self.packed = record.packed


def record(urls: list[tuple[str, str]], location: str = "DE", private: bool = False) -> Record:
    parts = metalink.url_parts(urls, location, private)
    return Record(
        (urls[0][1] if urls else "").encode("utf-8", "replace"),
        metalink.url_segments(parts),
        metalink.pack_parts(parts),
    )


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
url_lists = st.lists(st.tuples(st.sampled_from(["https", "http", "rsync"]), texts), max_size=4)
host_lists = st.lists(
    st.builds(record, url_lists, st.sampled_from(["DE", "US", '"x"']), st.booleans()),
    max_size=130,  # past the 100 ranked preferences
)


@settings(max_examples=150, deadline=None)
@given(
    host_lists,
    st.lists(st.binary(max_size=40), max_size=4),
    st.binary(max_size=40),
    st.booleans(),
)
def test_metalink_body_is_the_python_bytes(hosts, pieces, end, plain) -> None:
    given_hosts = [Plain(h) for h in hosts] if plain else hosts
    args = (pieces, given_hosts, PREFS, b"1", end, b"</tail>\n")
    assert native.metalink_body(*args) == bodies.metalink_body_py(*args)


@settings(max_examples=150, deadline=None)
@given(host_lists, st.binary(max_size=60), st.binary(max_size=40))
def test_mirrorlist_body_is_the_python_bytes(hosts, head, end) -> None:
    assert native.mirrorlist_body(head, hosts, end) == bodies.mirrorlist_body_py(head, hosts, end)


class Shown(Record):
    """A subclass that computes its attributes: C must ask it, not read the slots."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> object:
        if name == "packed":
            return metalink.pack_parts((b"<url ", b">own"))
        return super().__getattribute__(name)


def test_a_subclass_with_its_own_attribute_access_is_asked() -> None:
    shown = Shown(b"", (), b"")
    body = native.metalink_body((), [shown, shown], PREFS, b"1", b"|", b"")
    assert body == b"<url 100>own|<url 99>own|"


def test_hosts_of_alternating_types_and_a_tuple_of_hosts() -> None:
    one = record([("https", "https://a.example/pub")])
    other = Plain(record([("http", "http://b.example/pub"), ("rsync", "rsync://b/pub")]))
    hosts = (one, other, one, other)
    args = ((b"<head>",), hosts, PREFS, b"1", b"/x</url>\n", b"")
    assert native.metalink_body(*args) == bodies.metalink_body_py(*args)
    body = native.metalink_body(*args).decode()
    assert body.count("</url>") == 6 and 'preference="97"' in body


def test_a_nul_in_the_pieces_stays_and_the_lines_get_the_end() -> None:
    hosts = [record([("https", "https://a.example/pub\x00x")])]  # NUL in a URL: U+FFFD
    args = ((b"<file name='a\x00b'>",), hosts, PREFS, b"1", b"/r</url>\n", b"")
    body = native.metalink_body(*args)
    assert body == bodies.metalink_body_py(*args)
    assert body.count(b"\x00") == 1 and "\ufffd".encode() in body


@pytest.mark.parametrize(
    ("packed", "error"),
    [
        (b"\x01\x00", ValueError),  # shorter than its count
        (b"\x01\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00abc", ValueError),  # lengths > rest
        (b"\xff\xff\xff\xff", ValueError),  # a count far beyond the bytes
        ("text", TypeError),
    ],
)
def test_malformed_packed_lines_are_refused(packed, error) -> None:
    bad = Record(b"", (), packed)  # type: ignore[arg-type]
    with pytest.raises(error):
        native.metalink_body((), [bad], PREFS, b"1", b"", b"")


def test_wrong_argument_types_are_refused() -> None:
    good = [record([("https", "https://a/")])]
    with pytest.raises(TypeError):
        native.metalink_body((), good, list(PREFS), b"1", b"", b"")
    with pytest.raises(TypeError):
        native.metalink_body(("str",), good, PREFS, b"1", b"", b"")
    with pytest.raises(TypeError):
        native.metalink_body((), good, PREFS, b"1", "end", b"")
    with pytest.raises(AttributeError):
        native.metalink_body((), [object()], PREFS, b"1", b"", b"")
    with pytest.raises(TypeError):
        native.mirrorlist_body(b"", [Record("line", (), b"")], b"\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native.metalink_body((), good)  # type: ignore[call-arg]


def test_no_reference_is_leaked() -> None:
    hosts = [record([("https", f"https://h{i}.example/pub")]) for i in range(150)]
    plain = [Plain(h) for h in hosts]
    end = b"/repodata/repomd.xml</url>\n"
    before = [sys.getrefcount(x) for x in (end, hosts[0].packed, plain[0].packed, PREFS[0])]
    for _ in range(200):
        native.metalink_body((b"a",), hosts, PREFS, b"1", end, b"z")
        native.metalink_body((b"a",), plain, PREFS, b"1", end, b"z")
        native.mirrorlist_body(b"#\n", plain, end)
        with pytest.raises(ValueError):
            native.metalink_body((), [*hosts, Record(b"", (), b"\x01")], PREFS, b"1", end, b"")
    after = [sys.getrefcount(x) for x in (end, hosts[0].packed, plain[0].packed, PREFS[0])]
    assert after == before


def test_pure_python_can_be_chosen_with_the_environment() -> None:
    """MIRRORMANAGER_PURE_PYTHON=1 uses the Python twins even when the C modules exist."""
    code = (
        "from mirrormanager.formats import bodies; from mirrormanager.core import pool\n"
        "from mirrormanager.core import compiled; from mirrormanager.mirrorlist import app, query\n"
        "print(bodies.NATIVE, bodies.metalink_body is bodies.metalink_body_py,"
        " pool.gather is pool.gather_py, app.parse_plain is query.parse_plain_py,"
        " app.express.answer is app.express.answer_py, len(compiled.active()))"
    )
    env = {**os.environ, "MIRRORMANAGER_PURE_PYTHON": "1", "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True", "True", "True", "True", "0"]


def test_the_server_knows_which_compiled_modules_it_runs() -> None:
    """What a worker logs at start (`compiled_modules`): all four, once the app is
    imported."""
    import mirrormanager.mirrorlist.app  # noqa: F401  # imports every answer-path module

    if not compiled.wanted():
        pytest.skip("MIRRORMANAGER_PURE_PYTHON is set: no compiled module is used")
    require("mirrormanager.core._orders")
    require("mirrormanager.mirrorlist._query")
    require("mirrormanager.mirrorlist._express")
    assert sorted(compiled.active()) == ["_bodies", "_express", "_orders", "_query"]


def test_pieces_of_every_length_are_copied_whole() -> None:
    """Every branch of the C copy (1-3, 4-7, 8-15, 16-32 bytes, the 32-byte loop)."""
    for n in range(0, 100):
        text = "".join(chr(ord("a") + i % 26) for i in range(n))
        hosts = [record([("https", text), ("http", text[: n // 2])], location=text[:5])]
        end = text.encode()[: n % 40]
        args = ((text.encode(),), hosts, PREFS, b"1", end, text.encode()[:7])
        assert native.metalink_body(*args) == bodies.metalink_body_py(*args), n
        assert native.mirrorlist_body(end, hosts, end) == bodies.mirrorlist_body_py(end, hosts, end)
