"""The service layer's field checks (pure): types, ranges, normalising, the field named."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.errors import Invalid
from mirrormanager.manage.fields import HOST_DEFAULTS, HOST_FIELDS, SITE_FIELDS, clean


def _refused(specs: dict[str, Any], values: dict[str, Any]) -> Invalid:
    with pytest.raises(Invalid) as caught:
        clean(specs, values)
    return caught.value


def test_normalises_like_the_web_form() -> None:
    cleaned = clean(
        HOST_FIELDS,
        {"name": " mirror.example.org ", "country": " de", "robot_email": "", "comment": "  "},
    )
    assert cleaned == {
        "name": "mirror.example.org",
        "country": "DE",
        "robot_email": None,
        "comment": None,
    }
    assert clean(HOST_FIELDS, {"latitude": 10})["latitude"] == 10.0


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"bandwidth_int": True}, "bandwidth_int", "must be an integer"),
        ({"bandwidth_int": "100"}, "bandwidth_int", "must be an integer"),
        ({"bandwidth_int": 0}, "bandwidth_int", "between 1 and 10000000"),
        ({"private": 1}, "private", "true or false"),
        ({"country": "Germany"}, "country", "two-letter"),
        ({"name": "not a host name"}, "name", "DNS name"),
        ({"name": ""}, "name", "required"),
        ({"name": None}, "name", "required"),
        ({"asn": 2**32}, "asn", "AS number"),
        ({"robot_email": "nobody"}, "robot_email", "e-mail"),
        ({"comment": "x\x00y"}, "comment", "NUL"),
        ({"name": " " * 250 + "a.example.org"}, "name", "longer than 255"),
        ({"latitude": 91}, "latitude", "between -90 and 90"),
        ({"bogus": 1}, "bogus", "unknown field"),
    ],
)
def test_refusals_name_the_field(values: dict[str, Any], field: str, message: str) -> None:
    refused = _refused(HOST_FIELDS, values)
    assert refused.field == field and message in str(refused)
    assert str(refused).startswith(f"{field}: ")


def test_site_fields() -> None:
    assert _refused(SITE_FIELDS, {"org_url": "javascript:alert(1)"}).field == "org_url"
    assert _refused(SITE_FIELDS, {"password": "short"}).field == "password"
    assert clean(SITE_FIELDS, {"org_url": "https://example.org/"}) == {
        "org_url": "https://example.org/"
    }


def test_defaults_make_an_enabled_host() -> None:
    assert HOST_DEFAULTS["admin_active"] is True and HOST_DEFAULTS["user_active"] is True
    assert set(HOST_DEFAULTS) <= set(HOST_FIELDS)
    assert clean(HOST_FIELDS, HOST_DEFAULTS) == HOST_DEFAULTS


@given(st.integers())
def test_bandwidth_accepted_exactly_in_range(value: int) -> None:
    inside = 1 <= value <= 10_000_000
    try:
        clean(HOST_FIELDS, {"bandwidth_int": value})
    except Invalid:
        assert not inside
    else:
        assert inside
