"""Weighted shuffle: repeated draws, each proportional to the remaining weights (pure).

Drawing one remaining item with probability weight/sum, removing it and repeating gives
the same distribution of orders as sorting by the exponential key `-ln(U)/weight`
(Efraimidis & Spirakis, 2006): one random number and one sort instead of n draws.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

_log = math.log


def weighted_shuffle(
    items: Iterable[T], weight: Callable[[T], float], rng: random.Random
) -> list[T]:
    """The items in a random order where heavier ones tend to come first."""
    keyed: list[tuple[float, int, T]] = []
    for position, item in enumerate(items):
        w = weight(item)
        # 1 - random() lies in (0, 1]: log never sees zero
        key = -math.log(1.0 - rng.random()) / w if w > 0 else math.inf
        keyed.append((key, position, item))
    keyed.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _key, _position, item in keyed]


def exponential_order(negative_weights: Sequence[float], rng: random.Random) -> list[int]:
    """The positions of `weighted_shuffle` for weights given negated (all < 0).

    Same random numbers, same keys bit for bit (`ln(1-U)/-w` is `-ln(1-U)/w`), same
    order (a stable sort of the keys breaks ties by position), in two C-speed passes.
    """
    n = len(negative_weights)
    draw = rng.random
    if n < 2:
        if n:
            draw()  # the one draw weighted_shuffle makes, to keep the stream aligned
        return list(range(n))
    log = _log
    keys = [log(1.0 - draw()) / w for w in negative_weights]
    return sorted(range(n), key=keys.__getitem__)


def segmented_order(
    negative_weights: Sequence[float], ends: Sequence[int], rng: random.Random
) -> list[int]:
    """`exponential_order` within each run `[previous end, end)` of positions, runs in
    their order (the distance bands of a banded stratum); the same random numbers."""
    n = len(negative_weights)
    draw = rng.random
    if n < 2:
        if n:
            draw()
        return list(range(n))
    log = _log
    keys = [log(1.0 - draw()) / w for w in negative_weights]
    order: list[int] = []
    start = 0
    for end in ends:
        if end - start > 1:
            order += sorted(range(start, end), key=keys.__getitem__)
        elif end > start:
            order.append(start)
        start = end
    return order
