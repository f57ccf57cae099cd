"""Metalink 3.0 as dnf/librepo and yum expect it from MirrorManager (pure).

dnf checks the downloaded repomd.xml against the hashes here, and accepts a mirror that
still serves one of the `mm0:alternates`; `preference` falls by one per host from 100.
Errors are metalink documents too, the message in a comment, so clients parse them.

The renderer (`render`) works on bytes prepared once per host and URL set
(`url_segments`): a host's `<url>` lines split where the preference goes, each line
ending in a NUL byte where the request's suffix goes. A request puts each host's
preference between its pieces and turns every NUL into the escaped suffix and `</url>`
(`bodies.metalink_body`: one pass in C, or a join and a one-byte `bytes.replace` in
Python). NUL cannot occur in the host lines otherwise (a URL holding one, impossible from
PostgreSQL, gets U+FFFD instead: it would make the document invalid XML anyway); a NUL in
the head (a client's `path=` file name) is left alone. The head (file name and hashes) is
cached per file-detail tuple, the `<metalink>` line per second.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from mirrormanager.core.bounded import keep
from mirrormanager.core.snapshot_model import FileDetailInfo
from mirrormanager.formats import bodies
from mirrormanager.formats.mirrorlist_text import clean

CONTENT_TYPE = "application/metalink+xml"
GENERATOR = "mirrormanager"
_HASHES = ("md5", "sha1", "sha256", "sha512")

_PRIVATE = '" mm0:private="True">'
_PUBLIC = '">'
_URL_END = b"</url>\n"
_SUFFIX = b"\x00"  # where each line's suffix and `</url>` go (Python renderer)
_SUFFIX_TEXT = "\x00"
_TAIL = b"   </resources>\n  </file>\n </files>\n</metalink>\n"
# preference 100 for the first host, one less for each next, never below 1
_PREFERENCES = tuple(str(max(1, 100 - rank)).encode() for rank in range(100))
_LAST_PREFERENCE = b"1"


def pubdate(now: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))


def _open(now: float) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" '
        f'pubdate="{pubdate(now)}" generator="{GENERATOR}" '
        'xmlns:mm0="http://fedorahosted.org/mirrormanager">\n'
    )


_opened: tuple[int, bytes] = (-1, b"")


def _open_bytes(now: float) -> bytes:
    """`_open(now)` encoded, rebuilt once per second."""
    global _opened
    second = int(now // 1)
    if _opened[0] != second:
        _opened = (second, _open(now).encode("utf-8"))
    return _opened[1]


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


def _file_head(file_name: str, details: Sequence[FileDetailInfo]) -> bytes:
    """From ` <files>` to `<resources …>`: the file name, current details, alternates."""
    out = [" <files>\n", f"  <file name={quoteattr(file_name)}>\n"]
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
    return "".join(out).encode("utf-8")


# (file name, id of the details tuple) -> (the tuple, kept so the id stays its own; head)
_heads: dict[tuple[str, int], tuple[Sequence[FileDetailInfo], bytes]] = {}
_MAX_HEADS = 8192


def _cached_head(file_name: str, details: Sequence[FileDetailInfo]) -> bytes:
    if not isinstance(details, tuple):  # only immutable tuples are cached by identity
        return _file_head(file_name, details)
    key = (file_name, id(details))
    found = _heads.get(key)
    if found is not None and found[0] is details:
        return found[1]
    head = _file_head(file_name, details)
    keep(_heads, key, (details, head), _MAX_HEADS)  # a new snapshot's tuples replace the old
    return head


def _no_nul(text: str) -> str:
    return text.replace(_SUFFIX_TEXT, "\ufffd") if _SUFFIX_TEXT in text else text


def url_parts(urls: Sequence[tuple[str, str]], location: str, private: bool) -> tuple[bytes, ...]:
    """One host's `<url>` lines (protocol, category URL; preferred first) in two parts
    each: line i is `parts[2i]`, the preference, `parts[2i + 1]`, then the suffix and
    `</url>` (the compiled renderer's form, `pack_parts`: it copies them, never scans)."""
    mark = _PRIVATE if private else _PUBLIC
    where = quoteattr(_no_nul(location))
    parts = []
    for protocol, base in urls:
        proto = quoteattr(_no_nul(protocol))
        parts.append(f'    <url protocol={proto} type={proto} location={where} preference="')
        parts.append(f"{mark}{escape(_no_nul(base))}")
    return tuple(p.encode("utf-8", "replace") for p in parts)


def pack_parts(parts: tuple[bytes, ...]) -> bytes:
    """`url_parts` in one bytes object, as the compiled renderer reads them: a count n
    of lines, the 2n parts' lengths (native uint32), then the parts. One object per host
    keeps a full answer's ~1,000 parts in ~250 places in memory instead of ~1,000."""
    return struct.pack(f"={len(parts) + 1}I", len(parts) // 2, *map(len, parts)) + b"".join(parts)


def url_segments(parts: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """`url_parts` cut where the preference goes (the Python renderer's form):
    `pref.join(segments)` is the lines, a NUL where each suffix goes."""
    if not parts:
        return ()
    segments = [parts[0]]
    for n in range(1, len(parts), 2):
        following = parts[n + 1] if n + 1 < len(parts) else b""
        segments.append(parts[n] + _SUFFIX + following)
    return tuple(segments)


_ends: dict[str, bytes] = {}  # suffix -> its escaped end of line (repodata paths are few)
_MAX_ENDS = 8192


def _suffix_end(suffix: str) -> bytes:
    """The end of each `<url>` line for `suffix`, escaped once per suffix (~0.8 µs a
    request otherwise). Bounded: at most 8,192 suffixes of up to 256 characters (a
    `path=` request names its own), cleared when full."""
    found = _ends.get(suffix)
    if found is None:
        found = escape(suffix).encode("utf-8") + _URL_END
        if len(suffix) <= 256:
            keep(_ends, suffix, found, _MAX_ENDS)
    return found


def render(
    file_name: str,
    details: Sequence[FileDetailInfo],
    hosts: Sequence[bodies.SegmentedHost],
    suffix: str,
    *,
    now: float,
    comment: str = "",
) -> bytes:
    """The metalink of one file: the hosts' prepared lines, the suffix appended to all
    (`bodies.metalink_body`: one pass in C, a join and a replace in Python)."""
    head = _cached_head(file_name, details)
    if comment:  # `clean` leaves no NUL
        pieces: tuple[bytes, ...] = (
            _open_bytes(now),
            f"<!-- {clean(comment)} -->\n".encode(),
            head,
        )
    else:
        pieces = (_open_bytes(now), head)
    end = _suffix_end(suffix)
    return bodies.metalink_body(pieces, hosts, _PREFERENCES, _LAST_PREFERENCE, end, _TAIL)


def error(message: str, *, now: float) -> bytes:
    """A valid, empty metalink carrying `message` in a comment."""
    return (_open(now) + f"<!-- {clean(message)} -->\n</metalink>\n").encode("utf-8")
