"""The one host:port parser behind every bind option and the SMTP server setting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.core.hostport import HostPort, parse_host_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080", HostPort("127.0.0.1", 8080)),
        ("0.0.0.0:1", HostPort("0.0.0.0", 1)),
        ("[::1]:65535", HostPort("::1", 65535)),
        ("mirrors.example.org:80", HostPort("mirrors.example.org", 80)),
        (":8080", HostPort("127.0.0.1", 8080)),  # never every interface by accident
    ],
)
def test_valid_addresses(text: str, expected: HostPort) -> None:
    assert parse_host_port(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("8000", "has no port"),
        ("host:", "has no port"),
        ("::1:8080", "ambiguous"),
        ("[::1]8080", "brackets"),
        ("host:0", "1 to 65535"),
        ("host:65536", "1 to 65535"),
        ("host:http", "1 to 65535"),
        ("bad host:80", "neither an IP address nor a host name"),
        ("-x:80", "neither an IP address nor a host name"),
    ],
)
def test_invalid_addresses_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_host_port(text)


def test_default_port_allows_a_bare_host() -> None:
    assert parse_host_port("smtp.example.org", default_port=25) == HostPort("smtp.example.org", 25)
    assert parse_host_port("[2001:db8::1]", default_port=25) == HostPort("2001:db8::1", 25)
    assert parse_host_port("smtp:587", default_port=25).port == 587


@given(
    host=st.one_of(
        st.ip_addresses().map(str), st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)
    ),
    port=st.integers(1, 65535),
)
def test_str_round_trips(host: str, port: int) -> None:
    address = HostPort(host, port)
    assert parse_host_port(str(address)) == address
    assert address.url == f"http://{address}"
