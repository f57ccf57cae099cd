"""Pure checks of what mirror admins type: URLs, netblocks, countries, ASNs.

Each function returns an error message (shown next to the field) or None.

Category URL rule: a host's URL for a category must use http, https, rsync or ftp, name
a host, carry no user name, password, query or fragment, and its path (without a
trailing slash) must end with the last component of the category's top directory:
for "Fedora EPEL" (top directory `pub/epel`) `https://mirror.example.org/epel` and
`rsync://mirror.example.org/pub/epel/` are accepted, `https://mirror.example.org/` and
`https://mirror.example.org/fedora` are not. The crawler appends the category's paths to
this URL, so a URL that stops short or overshoots would be crawled wrongly.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from mirrormanager.core.geo import CONTINENTS

URL_SCHEMES = ("http", "https", "rsync", "ftp")
MAX_URL_LENGTH = 1024
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def topdir_tail(topdir: str | None) -> str | None:
    """The last path component a category URL must end with, or None without a topdir."""
    if not topdir:
        return None
    parts = [p for p in topdir.strip("/").split("/") if p]
    return parts[-1] if parts else None


def mirror_url_problem(url: str, topdir: str | None) -> str | None:
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        return f"The URL is longer than {MAX_URL_LENGTH} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "This is not a valid URL."
    del port
    if parts.scheme not in URL_SCHEMES:
        return "The URL must start with http://, https://, rsync:// or ftp://."
    if not parts.hostname or not hostname_ok(parts.hostname):
        return "The URL must name a host (a DNS name or an IP address)."
    if parts.username or parts.password:
        return "The URL must not contain a user name or password."
    if parts.query or parts.fragment:
        return "The URL must not contain '?' or '#'."
    path = parts.path.rstrip("/")
    tail = topdir_tail(topdir)
    if not path:
        return "The URL needs a path to the category's directory" + (
            f" (ending in /{tail})." if tail else "."
        )
    if tail and not path.endswith("/" + tail):
        return f"The path must end with /{tail}, this category's top directory."
    return None


def hostname_ok(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return bool(_HOSTNAME.match(name))


def country_problem(code: str) -> str | None:
    return None if _COUNTRY.match(code) else "Use a two-letter ISO country code, e.g. DE."


def continent_problem(code: str) -> str | None:
    return None if code in CONTINENTS else f"Use one of {', '.join(CONTINENTS)}."


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError:
        return None


def netblock_problem(text: str) -> str | None:
    text = text.strip()
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            return "Host bits are set: use the network address (e.g. 192.0.2.0/24)."
        return "Use CIDR notation, e.g. 192.0.2.0/24 or 2001:db8::/32."
    return None


def netblock_needs_admin(text: str, max_prefix_v4: int, max_prefix_v6: int) -> bool:
    """True for a public netblock larger than the limit (prefix shorter than allowed)."""
    net = parse_network(text)
    if net is None:
        return False
    if not net.is_global:
        return False
    limit = max_prefix_v4 if net.version == 4 else max_prefix_v6
    return net.prefixlen < limit


def ip_or_network_problem(text: str) -> str | None:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return "Use an IP address or a CIDR network."
    return None


def asn_problem(value: int | None) -> str | None:
    if value is None:
        return None
    return None if 0 < value < 2**32 else "An AS number is between 1 and 4294967295."
