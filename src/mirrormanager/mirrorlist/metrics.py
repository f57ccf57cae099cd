"""Per-worker Prometheus metrics in the text exposition format, without shared state.

Each worker counts for itself and labels its samples with `worker="<pid>"`; a scrape
through the load balancer sees one worker, so Prometheus should scrape every worker or
sum by job (see docs/mirrorlist-server.md). Counting is a dict increment: nothing on the
hot path takes a lock, touches a file or allocates per request beyond a tuple key.
"""

from __future__ import annotations

import bisect
import os
from collections import defaultdict

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], int] = defaultdict(int)
        self.latency_counts = [0] * (len(BUCKETS) + 1)
        self.latency_sum = 0.0
        self.worker = str(os.getpid())

    def observe(self, endpoint: str, outcome: str, seconds: float) -> None:
        self.requests[(endpoint, outcome)] += 1
        self.latency_counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum += seconds

    def render(
        self,
        *,
        snapshot_age: float | None,
        snapshot_serial: int | None,
        reloads: int,
        reload_failures: int,
    ) -> bytes:
        w = f'worker="{self.worker}"'
        serial = -1 if snapshot_serial is None else snapshot_serial
        out = [
            "# HELP mirrorlist_requests_total Requests by endpoint and outcome.\n",
            "# TYPE mirrorlist_requests_total counter\n",
        ]
        for (endpoint, outcome), count in sorted(self.requests.items()):
            out.append(
                f'mirrorlist_requests_total{{{w},endpoint="{endpoint}",outcome="{outcome}"}}'
                f" {count}\n"
            )
        out += [
            "# HELP mirrorlist_request_seconds Time to answer a request.\n",
            "# TYPE mirrorlist_request_seconds histogram\n",
        ]
        cumulative = 0
        for bound, count in zip((*BUCKETS, float("inf")), self.latency_counts, strict=True):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'mirrorlist_request_seconds_bucket{{{w},le="{le}"}} {cumulative}\n')
        out.append(f"mirrorlist_request_seconds_sum{{{w}}} {self.latency_sum}\n")
        out.append(f"mirrorlist_request_seconds_count{{{w}}} {cumulative}\n")
        out += [
            "# HELP mirrorlist_snapshot_age_seconds Age of the snapshot served (-1: none).\n",
            "# TYPE mirrorlist_snapshot_age_seconds gauge\n",
            f"mirrorlist_snapshot_age_seconds{{{w}}} "
            f"{-1 if snapshot_age is None else round(snapshot_age, 3)}\n",
            "# HELP mirrorlist_snapshot_serial Serial of the snapshot served (-1: none).\n",
            "# TYPE mirrorlist_snapshot_serial gauge\n",
            f"mirrorlist_snapshot_serial{{{w}}} {serial}\n",
            "# HELP mirrorlist_snapshot_reloads_total Snapshots swapped in after the first.\n",
            "# TYPE mirrorlist_snapshot_reloads_total counter\n",
            f"mirrorlist_snapshot_reloads_total{{{w}}} {reloads}\n",
            "# HELP mirrorlist_snapshot_refused_total Snapshot files refused as bad.\n",
            "# TYPE mirrorlist_snapshot_refused_total counter\n",
            f"mirrorlist_snapshot_refused_total{{{w}}} {reload_failures}\n",
        ]
        return "".join(out).encode("utf-8")
