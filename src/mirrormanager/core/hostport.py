"""`host:port`: the one parser for every listening address and the SMTP server setting.

Pure: it validates the text and never resolves a name. IPv6 literals need brackets
(``[::1]:8080``) because ``::1:8080`` is ambiguous; an empty host (``:8080``) means
127.0.0.1, so a bare port never listens on every interface by accident.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(\.{_LABEL})*\.?\Z")


@dataclass(frozen=True, slots=True)
class HostPort:
    """A validated host (name or IP address, no brackets) and TCP port (1-65535)."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://host:port``, for the "listening on" line."""
        return f"http://{self}"


def parse_host_port(text: str, *, default_port: int | None = None) -> HostPort:
    """Parse ``host:port`` (``default_port`` allows a bare host); ValueError says what is wrong."""
    raw = text.strip()
    if raw.startswith("["):
        host, bracket, rest = raw[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r} is not host:port (an IPv6 address goes in brackets)")
        port_text = rest[1:] if rest else ""
        sep = bool(rest)
    else:
        host, colon, port_text = raw.rpartition(":")
        sep = bool(colon)
        if not sep:
            host, port_text = raw, ""
        if ":" in host:
            raise ValueError(f"{text!r} is ambiguous: write an IPv6 address as [address]:port")
    if not port_text:
        if default_port is None or (sep and not raw.startswith("[")):
            raise ValueError(f"{text!r} has no port: write host:port, e.g. 127.0.0.1:8080")
        port = default_port
    elif not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
    else:
        port = int(port_text)
    host = host or "127.0.0.1"
    if not _valid_host(host):
        raise ValueError(f"{text!r}: {host!r} is neither an IP address nor a host name")
    return HostPort(host, port)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ":" not in host and _HOSTNAME.match(host) is not None
    return True
