"""redirect=1 headers: Location, RFC 6249 duplicates, RFC 3230 digest, nothing unsafe."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.core.selection_index import HostRecord
from mirrormanager.core.snapshot_model import FileDetailInfo, HostInfo
from mirrormanager.core.targets import Target
from mirrormanager.mirrorlist.redirect import (
    DUPLICATES,
    header_url,
    redirect_headers,
    sha256_digest,
)
from tests.data import snapshots as data

CONTENT = b"an image\n"
DETAIL = FileDetailInfo(1, len(CONTENT), sha256=hashlib.sha256(CONTENT).hexdigest())


def record(host_id: int, *urls: tuple[str, str]) -> HostRecord:
    info = HostInfo(host_id, f"h{host_id}", "DE", 10, 1, False)
    return HostRecord(info, tuple(urls), b"", (), b"")


def target(*, is_file: bool = True, files: tuple[FileDetailInfo, ...] = (DETAIL,)) -> Target:
    directory = data.directory(data.ISO_DIR)
    return Target(directory, "/iso/x.iso", "x.iso", files, path="p", is_file=is_file)


def test_location_then_duplicates_with_priorities_then_digest() -> None:
    hosts = [
        record(1, ("ftp", "ftp://a/f"), ("https", "https://a/f"), ("http", "http://a/f")),
        record(2, ("rsync", "rsync://b/f")),  # no http(s) URL: skipped
        *(record(n, ("http", f"http://m{n}/f")) for n in range(3, 12)),
    ]
    headers = redirect_headers(target(), hosts)
    assert headers is not None
    assert headers[0] == (b"location", b"https://a/f/iso/x.iso")
    links = [value for name, value in headers if name == b"link"]
    assert links == [
        b"<http://m%d/f/iso/x.iso>; rel=duplicate; pri=%d" % (n + 2, n) for n in range(1, 6)
    ]
    assert len(links) == DUPLICATES
    digest = dict(headers)[b"digest"]
    assert digest == b"sha-256=" + base64.b64encode(hashlib.sha256(CONTENT).digest())


def test_no_digest_for_a_directory_or_without_sha256_and_404_without_http() -> None:
    hosts = [record(1, ("https", "https://a/f"))]
    for plain in (target(is_file=False), target(files=()), target(files=(FileDetailInfo(1, 2),))):
        headers = redirect_headers(plain, hosts)
        assert headers == [(b"location", b"https://a/f/iso/x.iso")]
    assert redirect_headers(target(), [record(1, ("ftp", "ftp://a/f"))]) is None
    assert sha256_digest("zz" * 32) is None and sha256_digest("ab") is None


@given(st.text())
def test_header_urls_are_printable_ascii_without_link_delimiters(tail: str) -> None:
    value = header_url("https://a/f/" + tail)
    assert all(0x21 <= b <= 0x7E for b in value)
    assert not set(value) & set(b'<>"')
    assert header_url("https://a/f/x y\r\nSet-Cookie: a") == (
        b"https://a/f/x%20y%0D%0ASet-Cookie:%20a"
    )
