"""What a mirrorlist request may change besides its response (the express-lane tests)."""

from __future__ import annotations

from typing import Any

from mirrormanager.mirrorlist.app import MirrorlistApp


def state(app: MirrorlistApp) -> tuple[Any, ...]:
    """The random generator, the answer pools' counters and order, the access log and
    the metrics' counts: equal between two apps that answered alike."""
    loaded = app.holder.current
    assert loaded is not None and loaded.pools is not None
    pools = loaded.pools
    served = sorted((repr(key), pool.served) for key, pool in pools._pools.items())
    return (
        app.handler.rng.getstate(),
        pools.hits,
        pools.draws,
        served,
        list(pools._pools),  # least recently used first
        list(app.access_log._buffer),
        app.access_log.dropped,
        dict(app.metrics.requests),
        sum(app.metrics.latency_counts),
    )
