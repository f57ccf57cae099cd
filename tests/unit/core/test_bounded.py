"""`bounded.keep`: the hot paths' caches never pass their limit."""

from __future__ import annotations

from mirrormanager.core.bounded import keep


def test_keep_stores_returns_and_starts_over_when_full() -> None:
    cache: dict[int, str] = {}
    assert keep(cache, 1, "a", 3) == "a"
    keep(cache, 2, "b", 3)
    keep(cache, 3, "c", 3)
    assert cache == {1: "a", 2: "b", 3: "c"}
    assert keep(cache, 4, "d", 3) == "d"
    assert cache == {4: "d"}  # emptied first, then stored
    for n in range(1000):
        keep(cache, n, "x", 3)
        assert len(cache) <= 3
