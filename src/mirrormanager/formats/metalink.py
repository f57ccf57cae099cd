"""Metalink 3.0 as dnf/librepo and yum expect it from MirrorManager (pure).

dnf checks the downloaded repomd.xml against the hashes here, and accepts a mirror that
still serves one of the `mm0:alternates`; `preference` falls by one per host from 100.
Errors are metalink documents too, the message in a comment, so clients parse them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from mirrormanager.core.selection import Chosen
from mirrormanager.core.snapshot_model import FileDetailInfo
from mirrormanager.formats.mirrorlist_text import clean

CONTENT_TYPE = "application/metalink+xml"
GENERATOR = "mirrormanager"
_HASHES = ("md5", "sha1", "sha256", "sha512")


def pubdate(now: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))


def _open(now: float) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" '
        f'pubdate="{pubdate(now)}" generator="{GENERATOR}" '
        'xmlns:mm0="http://fedorahosted.org/mirrormanager">\n'
    )


def _detail(detail: FileDetailInfo, indent: str) -> list[str]:
    out = [
        f"{indent}<mm0:timestamp>{detail.timestamp}</mm0:timestamp>\n",
        f"{indent}<size>{detail.size}</size>\n",
    ]
    hashes = [(kind, getattr(detail, kind)) for kind in _HASHES if getattr(detail, kind)]
    if hashes:
        out.append(f"{indent}<verification>\n")
        out.extend(
            f'{indent} <hash type="{kind}">{escape(value)}</hash>\n' for kind, value in hashes
        )
        out.append(f"{indent}</verification>\n")
    return out


# A metalink lists hundreds of URLs; their escaped pieces repeat across requests.
_PRIVATE = '" mm0:private="True">'
_PUBLIC = '">'


@lru_cache(maxsize=1 << 16)
def _escape(text: str) -> str:
    return escape(text)


@lru_cache(maxsize=1 << 12)
def _url_head(protocol: str, location: str) -> str:
    proto = quoteattr(protocol)
    return f'    <url protocol={proto} type={proto} location={quoteattr(location)} preference="'


def render(
    file_name: str,
    details: Sequence[FileDetailInfo],
    hosts: Sequence[Chosen],
    *,
    now: float,
    comment: str = "",
) -> bytes:
    """The metalink of one file: current details, alternates, then every host's URLs."""
    out = [_open(now)]
    if comment:
        out.append(f"<!-- {clean(comment)} -->\n")
    out.append(" <files>\n")
    out.append(f"  <file name={quoteattr(file_name)}>\n")
    if details:
        out.extend(_detail(details[0], "   "))
    if len(details) > 1:
        out.append("   <mm0:alternates>\n")
        for older in details[1:]:
            out.append("    <mm0:alternate>\n")
            out.extend(_detail(older, "     "))
            out.append("    </mm0:alternate>\n")
        out.append("   </mm0:alternates>\n")
    out.append('   <resources maxconnections="1">\n')
    tails: dict[str, str] = {}
    for rank, chosen in enumerate(hosts):
        host = chosen.host
        middle = f"{max(1, 100 - rank)}{_PRIVATE if host.private else _PUBLIC}"
        tail = tails.get(chosen.suffix)
        if tail is None:
            tail = tails[chosen.suffix] = _escape(chosen.suffix) + "</url>\n"
        out.extend(
            f"{_url_head(protocol, host.country)}{middle}{_escape(base)}{tail}"
            for protocol, base in chosen.urls
        )
    out.append("   </resources>\n  </file>\n </files>\n</metalink>\n")
    return "".join(out).encode("utf-8")


def error(message: str, *, now: float) -> bytes:
    """A valid, empty metalink carrying `message` in a comment."""
    return (_open(now) + f"<!-- {clean(message)} -->\n</metalink>\n").encode("utf-8")
