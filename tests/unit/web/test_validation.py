"""The pure input checks of the web UI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.web import validation as v
from mirrormanager.web.security import (
    EmailTokens,
    hash_api_token,
    hash_password,
    new_api_token,
    password_fingerprint,
    verify_password,
)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://mirror.example.org/epel", True),
        ("http://mirror.example.org/pub/epel/", True),
        ("rsync://mirror.example.org/epel", True),
        ("ftp://192.0.2.1/mirrors/epel", True),
        ("https://[2001:db8::1]:8443/epel", True),
        ("https://mirror.example.org/", False),
        ("https://mirror.example.org/fedora", False),
        ("https://mirror.example.org/notepel", False),
        ("file:///srv/epel", False),
        ("https://u:p@mirror.example.org/epel", False),
        ("https://mirror.example.org/epel?x", False),
        ("https://mirror.example.org:99999/epel", False),
        ("https://bad_host!/epel", False),
        ("https://mirror.example.org/" + "a" * 2000 + "/epel", False),
    ],
)
def test_mirror_url_rule(url: str, ok: bool) -> None:
    assert (v.mirror_url_problem(url, "pub/epel") is None) is ok


def test_url_without_topdir_needs_only_a_path() -> None:
    assert v.mirror_url_problem("https://m.example.org/anything", None) is None
    assert v.topdir_tail("pub/fedora/linux/") == "linux"


def test_netblocks() -> None:
    assert v.netblock_problem("192.0.2.0/24") is None
    assert "Host bits" in (v.netblock_problem("192.0.2.1/24") or "")
    assert v.netblock_problem("2001:db8::/32") is None
    assert v.netblock_problem("nonsense")
    assert v.netblock_needs_admin("8.0.0.0/8", 16, 32)
    assert not v.netblock_needs_admin("8.8.0.0/16", 16, 32)
    assert not v.netblock_needs_admin("10.0.0.0/8", 16, 32)  # private space
    assert v.netblock_needs_admin("2a00::/16", 16, 32)
    assert not v.netblock_needs_admin("2a00:1450::/32", 16, 32)


@given(st.integers(min_value=0, max_value=32))
def test_ipv4_limit_is_by_prefix_length(prefix: int) -> None:
    import ipaddress

    net = ipaddress.ip_network(f"8.0.0.0/{prefix}", strict=False)
    assert v.netblock_needs_admin(str(net), 16, 32) is (prefix < 16)


def test_country_continent_asn_ip() -> None:
    assert v.country_problem("DE") is None and v.country_problem("de")
    assert v.continent_problem("EU") is None and v.continent_problem("XX")
    assert v.asn_problem(64500) is None and v.asn_problem(0) and v.asn_problem(2**32)
    assert v.ip_or_network_problem("192.0.2.1") is None
    assert v.ip_or_network_problem("192.0.2.0/24") is None
    assert v.ip_or_network_problem("x")


def test_passwords_and_tokens() -> None:
    stored = hash_password("a long password")
    assert verify_password(stored, "a long password")
    assert not verify_password(stored, "wrong")
    assert not verify_password(None, "x") and not verify_password("garbage", "x")
    assert password_fingerprint(stored) != password_fingerprint(hash_password("other pass"))
    token, digest = new_api_token()
    assert token.startswith("mmt_") and hash_api_token(token) == digest and token not in digest
    tokens = EmailTokens("k", 60)
    signed = tokens.make("reset", {"uid": 1})
    assert tokens.load("reset", signed) == {"uid": 1}
    assert tokens.load("confirm", signed) is None  # bound to its purpose
    assert tokens.load("reset", signed + "x") is None
    assert EmailTokens("other", 60).load("reset", signed) is None
