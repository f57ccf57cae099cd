"""The one way the hot paths keep small per-process caches bounded (pure)."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store `value` under `key` and return it; a cache holding `limit` entries is
    emptied first. Clearing, not evicting one by one: these caches hold what a few
    requests share (a snapshot's tuples, a proxy's verdict, a GeoIP block), and a flood of
    distinct keys, hostile or not, costs one rebuild per `limit` misses, never memory."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
