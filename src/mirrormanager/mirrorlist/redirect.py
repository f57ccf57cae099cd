"""`redirect=1`: the headers of the 302 answer (pure).

`Location` is the first mirror's http(s) URL of the target; RFC 6249 ``Link: <url>;
rel=duplicate; pri=N`` headers name the next few mirrors, so a download tool that
understands them (aria2, MirrorBrain-aware clients) can fail over or split the download;
and when the target is a file with a FileDetail holding a sha256, an RFC 3230 ``Digest:
sha-256=<base64 of the raw digest>`` header lets it verify what it got.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from mirrormanager.core.selection_index import HostRecord
from mirrormanager.core.targets import Target

DUPLICATES = 5  # Link headers after the Location
REDIRECT_PROTOCOLS = ("https", "http")


def header_url(url: str) -> bytes:
    """The URL as header-safe ASCII: every byte outside ``!``..``~`` (controls, space,
    non-ASCII) and the delimiters of a Link header (``<``, ``>``, ``"``) percent-encoded,
    so nothing a client put into ``path=`` can end or split a header."""
    out = bytearray()
    for byte in url.encode("utf-8", "surrogatepass"):
        if 0x21 <= byte <= 0x7E and byte not in b'<>"':
            out.append(byte)
        else:
            out += b"%%%02X" % byte
    return bytes(out)


def sha256_digest(hex_digest: str | None) -> bytes | None:
    """``sha-256=<base64>`` from a FileDetail's hex sha256; None when absent or not one."""
    if not hex_digest or len(hex_digest) != 64:
        return None
    try:
        raw = binascii.unhexlify(hex_digest)
    except (binascii.Error, ValueError):
        return None
    return b"sha-256=" + base64.b64encode(raw)


def redirect_headers(
    target: Target, hosts: Sequence[HostRecord]
) -> list[tuple[bytes, bytes]] | None:
    """The 302's headers, or None when no host has an http(s) URL."""
    urls: list[bytes] = []
    for record in hosts:
        for protocol, base in record.urls:
            if protocol in REDIRECT_PROTOCOLS:
                urls.append(header_url(base + target.suffix))
                break  # one URL per host: duplicates are other mirrors
        if len(urls) > DUPLICATES:
            break
    if not urls:
        return None
    headers = [(b"location", urls[0])]
    headers += [
        (b"link", b"<" + url + b">; rel=duplicate; pri=%d" % rank)
        for rank, url in enumerate(urls[1:], start=1)
    ]
    if target.is_file and target.files:
        digest = sha256_digest(target.files[0].sha256)
        if digest is not None:
            headers.append((b"digest", digest))
    return headers
