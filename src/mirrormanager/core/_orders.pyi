"""Type stubs of the compiled `_orders.c` (see core/pool.py, core/netblocks.py)."""

import random
from array import array
from typing import Any, TypeVar

from mirrormanager.core.netblocks import Address, PrefixTable

T = TypeVar("T")
V = TypeVar("V")

def gather(items: tuple[T, ...], order: array[int], end: int, /) -> list[T]: ...
def compose(
    index: Any,
    pool: Any,
    drawn: Any,
    view: Any,
    client: Any,
    countries: bool,
    chosen: set[int],
    rng: random.Random,
    /,
) -> tuple[list[Any], list[tuple[str, int]], list[str]] | None: ...
def longest(table: PrefixTable[V], address: Address, /) -> V | None: ...
def matches(table: PrefixTable[V], address: Address, /) -> list[tuple[int, V]]: ...
