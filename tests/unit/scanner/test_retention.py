from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.scanner.retention import DAY, Generation, generations_to_delete

NOW = 1_800_000_000


def gens(*ages_in_days: float) -> list[Generation]:
    return [
        Generation(i, 1, "repomd.xml", int(NOW - age * DAY)) for i, age in enumerate(ages_in_days)
    ]


def test_newest_always_survives_even_when_ancient() -> None:
    assert generations_to_delete(gens(30), now=NOW, keep_days=4, keep_count=8) == []
    doomed = generations_to_delete(gens(30, 40), now=NOW, keep_days=4, keep_count=8)
    assert doomed == [1]


def test_second_stays_while_mirrors_catch_up() -> None:
    # newest is 1 day old: the previous one stays although it is 10 days old
    assert generations_to_delete(gens(1, 10), now=NOW, keep_days=4, keep_count=8) == []
    # newest is 3.5 days old: past the propagation window, the old one goes
    assert generations_to_delete(gens(3.5, 10), now=NOW, keep_days=4, keep_count=8) == [1]


def test_recent_generations_kept_up_to_count() -> None:
    doomed = generations_to_delete(gens(0, 1, 2, 3, 3.5), now=NOW, keep_days=4, keep_count=3)
    assert sorted(doomed) == [3, 4]


def test_groups_are_independent() -> None:
    rows = [Generation(1, 1, "repomd.xml", NOW - 50 * DAY), Generation(2, 2, "repomd.xml", NOW)]
    assert generations_to_delete(rows, now=NOW, keep_days=4, keep_count=8) == []


@given(
    st.lists(st.integers(min_value=0, max_value=60 * DAY), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=1, max_value=10),
)
def test_newest_never_deleted_and_count_respected(ages: list[int], days: int, count: int) -> None:
    rows = [Generation(i, 7, "f", NOW - age) for i, age in enumerate(ages)]
    doomed = set(generations_to_delete(rows, now=NOW, keep_days=days, keep_count=count))
    newest = max(rows, key=lambda g: (g.timestamp, g.id))
    assert newest.id not in doomed
    assert len(rows) - len(doomed) <= max(count, 1)
