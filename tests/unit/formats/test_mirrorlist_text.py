"""Mirrorlist text answers, compared whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.selection import Chosen
from mirrormanager.core.snapshot_model import HostInfo
from mirrormanager.formats import mirrorlist_text as text
from mirrormanager.mirrorlist.prepared import prepare_record
from tests.unit.formats import reference_render

HOST = HostInfo(1, "a", "DE", 100, 1, False)
HOSTS = [
    Chosen(HOST, (("https", "https://a.example/f/"), ("http", "http://a.example/f/")), "netblock"),
    Chosen(HOST, (("http", "http://b.example/f/"),), "country"),
]


def render(hosts, suffix="", **kwargs):
    """The server's path: records prepared once, then the one renderer."""
    return text.render([prepare_record(c.host, c.urls) for c in hosts], suffix, **kwargs)


def test_answer_with_header_and_time() -> None:
    body = render(
        HOSTS,
        what=text.describe("fedora-41", "x86_64", ""),
        notes=["Using preferred netblock", "country = DE", "continent = EU"],
        created=1_730_001_000,
    )
    assert body == (
        b"# repo = fedora-41 arch = x86_64 Using preferred netblock country = DE continent = EU\n"
        b"# mirrorlist created 2024-10-27T03:50:00Z (1730001000)\n"
        b"https://a.example/f/\n"
        b"http://b.example/f/\n"
    )


def test_path_answer_without_time() -> None:
    body = render(HOSTS[:1], what=text.describe("", "", "pub/x"), notes=[])
    assert body == b"# path = pub/x\nhttps://a.example/f/\n"


def test_errors() -> None:
    assert text.usage_error() == b"# either path=, or repo= and arch= must be specified\n"
    assert text.invalid_repo("r", "a", "# repo=fedora-41&arch=x86_64\n") == (
        b"# repo = r arch = a error: invalid repo or arch\n# repo=fedora-41&arch=x86_64\n"
    )
    assert text.disabled_repo("r", "a") == b"# repo = r arch = a\n# repo disabled\n"
    assert text.invalid_path("p/q") == b"# path = p/q error: invalid path\n"
    # client input cannot break out of its comment line
    assert text.invalid_path("a\nhttp://evil/") == b"# path = a?http://evil/ error: invalid path\n"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(["https", "http", "ftp"]), st.text(max_size=10)),
            min_size=1,
            max_size=3,
        ),
        max_size=40,
    ),
    st.text(max_size=10),
    st.sampled_from([None, 1_730_001_000]),
)
def test_render_equals_the_reference_renderer(rows, suffix, created) -> None:
    hosts = [Chosen(HOST, tuple(urls), "country", suffix) for urls in rows]
    what = text.describe("r", "a", "")
    notes = ["country = DE"]
    fast = render(hosts, suffix, what=what, notes=notes, created=created)
    assert fast == reference_render.mirrorlist(hosts, what=what, notes=notes, created=created)


def _clean_reference(value: str) -> str:
    """`clean` as it was before its fast path: every character looked at."""
    value = "".join(ch if ch.isprintable() else "?" for ch in value[:200])
    return value.replace("--", "- -")


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=230)
    | st.text(st.sampled_from("ab-\n\x00\u2028 é"), min_size=195, max_size=205)
)
def test_clean_equals_the_character_by_character_reference(value: str) -> None:
    assert text.clean(value) == _clean_reference(value)
    assert len(text.clean("x" * 300)) == 200
