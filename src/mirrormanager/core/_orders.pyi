"""Type stubs of the compiled `_orders.c` (see core/pool.py)."""

from array import array
from typing import TypeVar

T = TypeVar("T")

def gather(items: tuple[T, ...], order: array[int], end: int, /) -> list[T]: ...
