"""The answers' byte assembly: compiled when it could be built, Python otherwise (pure).

A full metalink is ~250 hosts and ~135 KB; in Python its assembly is three passes over
the bytes (a join per host with its preference, a join of everything, a replace of the
suffix marks) and was 40 % of a full answer's CPU. `_bodies.c` does the same in one
pass (size first, then one copy of each piece); it is optional (`core.compiled`):
without a C compiler the Python functions below serve the same bytes, slower. Tests
compare both on random inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from mirrormanager.core import compiled

_NUL = b"\x00"


class SegmentedHost(Protocol):
    """A host's `<url>` lines in both renderers' forms (`formats.metalink`)."""

    @property
    def segments(self) -> tuple[bytes, ...]: ...

    @property
    def packed(self) -> bytes: ...


class LineHost(Protocol):
    @property
    def line(self) -> bytes: ...


def metalink_body_py(
    pieces: Sequence[bytes],
    hosts: Sequence[SegmentedHost],
    preferences: tuple[bytes, ...],
    last: bytes,
    end: bytes,
    tail: bytes,
) -> bytes:
    """`b"".join(pieces)`, then each host's lines with its preference
    (`preferences[rank]`, `last` beyond them) and `end` after each, then `tail`.

    Python's fastest way: each host's `segments` joined with the preference, then every
    NUL (where the suffixes go) replaced by `end` in one pass; NULs in `pieces` stay (a
    client's `path=` file name may hold one). The compiled version copies `packed` parts."""
    lines = [pref.join(host.segments) for pref, host in zip(preferences, hosts, strict=False)]
    if len(hosts) > len(preferences):
        lines += [last.join(host.segments) for host in hosts[len(preferences) :]]
    if any(_NUL in piece for piece in pieces):
        return b"".join((*pieces, b"".join(lines).replace(_NUL, end), tail))
    # one join, one replace: the pieces hold no NUL
    return b"".join((*pieces, *lines, tail)).replace(_NUL, end)


def mirrorlist_body_py(head: bytes, hosts: Sequence[LineHost], end: bytes) -> bytes:
    """`head`, then each host's `line` followed by `end`."""
    if not hosts:
        return head
    lines = [host.line for host in hosts]
    lines[0] = head + lines[0]
    lines.append(b"")
    return end.join(lines)


MetalinkBody = Callable[
    [Sequence[bytes], Sequence[SegmentedHost], tuple[bytes, ...], bytes, bytes, bytes], bytes
]
MirrorlistBody = Callable[[bytes, Sequence[LineHost], bytes], bytes]

_compiled = compiled.load("mirrormanager.formats._bodies")
NATIVE = _compiled is not None
metalink_body: MetalinkBody = _compiled.metalink_body if _compiled else metalink_body_py
mirrorlist_body: MirrorlistBody = _compiled.mirrorlist_body if _compiled else mirrorlist_body_py
