"""Type stubs of the compiled `_orders.c` (see core/pool.py)."""

import random
from array import array
from typing import Any, TypeVar

T = TypeVar("T")

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
