"""Which IP families a mirror answers on, so clients get mirrors they can reach.

One TCP connect per address family to the host of the category's first URL: True when it
connects, False when the name has an address of that family that does not answer, None
when it has none (or the name does not resolve).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "rsync": 873}


async def _family(host: str, port: int, family: int, timeout: float) -> bool | None:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM), timeout
        )
    except (OSError, TimeoutError):
        return None
    if not infos:
        return None
    address = str(infos[0][4][0])
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def probe(url: str, timeout: float) -> tuple[bool | None, bool | None]:
    """(IPv4, IPv6) reachability of the host and port of ``url``."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None, None
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)
    except ValueError:
        return None, None
    v4, v6 = await asyncio.gather(
        _family(parts.hostname, port, socket.AF_INET, timeout),
        _family(parts.hostname, port, socket.AF_INET6, timeout),
    )
    return v4, v6
