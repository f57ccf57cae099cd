"""Type stubs of the compiled `_bodies.c` (see formats/bodies.py)."""

from collections.abc import Sequence
from typing import Protocol

class _Segmented(Protocol):
    @property
    def packed(self) -> bytes: ...

class _Lined(Protocol):
    @property
    def line(self) -> bytes: ...

def metalink_body(
    pieces: Sequence[bytes],
    hosts: Sequence[_Segmented],
    preferences: tuple[bytes, ...],
    last: bytes,
    end: bytes,
    tail: bytes,
    /,
) -> bytes: ...
def mirrorlist_body(head: bytes, hosts: Sequence[_Lined], end: bytes, /) -> bytes: ...
