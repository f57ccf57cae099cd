"""The escaped end of each metalink `<url>` line, kept per suffix."""

from __future__ import annotations

from mirrormanager.formats import metalink


def test_the_end_is_escaped_and_kept() -> None:
    first = metalink._suffix_end("repodata/a&b<c>.xml")
    assert first == b"repodata/a&amp;b&lt;c&gt;.xml</url>\n"
    assert metalink._suffix_end("repodata/a&b<c>.xml") is first


def test_long_suffixes_are_not_kept_and_the_cache_stays_bounded() -> None:
    long = "x" * 300
    assert metalink._suffix_end(long) == long.encode() + b"</url>\n"
    assert long not in metalink._ends
    for n in range(metalink._MAX_ENDS + 10):
        metalink._suffix_end(f"p/{n}")
    assert len(metalink._ends) <= metalink._MAX_ENDS
