"""Prefix look-ups: `PrefixTable.longest`/`matches` (Python) against the compiled
`_orders.longest`/`matches`, on tables the size of the mirrorlist benchmark's
(docs/mirrorlist-server.md, "Compiled answer path").

Builds a host-netblock table (50,000 netblocks, /12-/24) and an ASN table (500,000,
/8-/24) as `mirrorlist_server.synthetic_snapshot` draws them, freezes both, and times each
look-up over 1,000 random IPv4 addresses (least of three loops, ns per look-up). A few
seconds; builds take most of it.

    python benchmarks/prefix_lookups.py
"""

from __future__ import annotations

import ipaddress
import random
import timeit
from collections.abc import Callable

from mirrormanager.core import compiled
from mirrormanager.core.netblocks import PrefixTable

ADDRESSES = 1_000


def random_table(count: int, low: int, high: int, rng: random.Random) -> PrefixTable[int]:
    table: PrefixTable[int] = PrefixTable()
    for value in range(count):
        length = rng.randint(low, high)
        network = rng.getrandbits(32) >> (32 - length) << (32 - length)
        table.add(ipaddress.IPv4Network((network, length)), value)
    return table.freeze(matches=True)


def per_lookup(look_up: Callable[[], object]) -> float:
    """ns per look-up: the least of three loops over the addresses."""
    return min(timeit.repeat(look_up, number=20, repeat=3)) / (20 * ADDRESSES) * 1e9


def main() -> None:
    native = compiled.load("mirrormanager.core._orders")
    if native is None:
        raise SystemExit("core/_orders.c is not built (or MIRRORMANAGER_PURE_PYTHON is set)")
    rng = random.Random(1)
    addresses = [ipaddress.IPv4Address(rng.getrandbits(32)) for _ in range(ADDRESSES)]
    for name, table in (
        ("host netblocks, 50,000", random_table(50_000, 12, 24, rng)),
        ("ASNs, 500,000", random_table(500_000, 8, 24, rng)),
    ):
        for kind, method, function in (
            ("longest", table.longest, native.longest),
            ("matches", table.matches, native.matches),
        ):
            python = per_lookup(lambda m=method: [m(a) for a in addresses])
            c = per_lookup(lambda f=function, t=table: [f(t, a) for a in addresses])
            print(f"{name:24s} {kind}: method {python:4.0f} ns, C {c:4.0f} ns")


if __name__ == "__main__":
    main()
