"""Client addresses for throttling: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

from mirrormanager.core.clientaddr import client_address

PROXY = ("10.0.0.0/8",)


def test_untrusted_peer_keeps_its_own_address() -> None:
    assert client_address("192.0.2.1", "203.0.113.9", PROXY) == "192.0.2.1"
    assert client_address("192.0.2.1", "203.0.113.9", ()) == "192.0.2.1"


def test_trusted_proxy_names_the_nearest_untrusted_hop() -> None:
    assert client_address("10.1.1.1", "198.51.100.7, 203.0.113.9, 10.2.2.2", PROXY) == (
        "203.0.113.9"
    )


def test_garbled_or_missing_header_falls_back_to_the_peer() -> None:
    assert client_address("10.1.1.1", "not-an-ip", PROXY) == "10.1.1.1"
    assert client_address("10.1.1.1", None, PROXY) == "10.1.1.1"
    assert client_address(None, None, PROXY) == "unknown"
