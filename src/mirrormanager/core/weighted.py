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


# Distance bands: a band's offset outweighs any exponential key (at most -ln(2**-53) / 1,
# about 36.7, since weights are at least 1), so keys sort by band first, then as
# `exponential_order` within a band.
BAND_SPAN = 1000.0


def banded_order(
    negative_weights: Sequence[float], offsets: Sequence[float], rng: random.Random
) -> list[int]:
    """`exponential_order` with each key raised by its offset (a multiple of BAND_SPAN):
    lower bands first, a weighted shuffle inside each band; the same random numbers."""
    n = len(negative_weights)
    draw = rng.random
    if n < 2:
        if n:
            draw()
        return list(range(n))
    log = _log
    keys = [o + log(1.0 - draw()) / w for w, o in zip(negative_weights, offsets, strict=True)]
    return sorted(range(n), key=keys.__getitem__)
