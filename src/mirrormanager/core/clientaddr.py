"""Which address a request comes from, believing X-Forwarded-For only from trusted proxies.

Used to throttle failed logins and check-ins per client: a forged X-Forwarded-For from an
untrusted peer must not let a client pose as many (or as someone else).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in trusted)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The peer, or, when the peer is a trusted proxy, the nearest untrusted hop it names."""
    address = (peer or "").strip() or "unknown"
    networks = _networks(tuple(trusted))
    if not forwarded_for or not networks or not _is_trusted(address, networks):
        return address
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a garbled header: fall back to the proxy itself
        if not _is_trusted(hop, networks):
            return hop
    return address
