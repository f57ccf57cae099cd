"""Type stubs of the compiled `_bodies.c` (formats/bodies.py has its Python twins)."""

from collections.abc import Sequence

from mirrormanager.formats.bodies import LineHost, SegmentedHost

def metalink_body(
    pieces: Sequence[bytes],
    hosts: Sequence[SegmentedHost],
    preferences: tuple[bytes, ...],
    last: bytes,
    end: bytes,
    tail: bytes,
    /,
) -> bytes: ...
def mirrorlist_body(head: bytes, hosts: Sequence[LineHost], end: bytes, /) -> bytes: ...
