"""The back-off curve of failed authentications (db/throttle.py)."""

from __future__ import annotations

from mirrormanager.db.throttle import ThrottlePolicy


def test_back_off_starts_after_the_free_failures_doubles_and_is_capped() -> None:
    policy = ThrottlePolicy(free_failures=5, base_seconds=1.0, max_seconds=900.0)
    assert [policy.lock_seconds(n) for n in range(4, 9)] == [0.0, 1.0, 2.0, 4.0, 8.0]
    assert policy.lock_seconds(15) == 900.0
    assert policy.lock_seconds(10**9) == 900.0
