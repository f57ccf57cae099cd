"""The IPv4/IPv6 reachability probe against real loopback sockets."""

from __future__ import annotations

import asyncio
import socket

from mirrormanager.crawler.reach import probe


def test_reachability_probe_on_loopback() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert asyncio.run(probe(f"http://127.0.0.1:{port}/pub", 1.0)) == (True, None)
    assert asyncio.run(probe(f"http://127.0.0.1:{port}/pub", 1.0)) == (False, None)
    assert asyncio.run(probe("not a url", 1.0)) == (None, None)
