"""Typed, checked input: one spec per field, the web forms' rules (pure, no database).

The API sends JSON, the CLI strings turned into Python values by click, the web forms
WTForms data: all of them end up in `clean()`, which checks types, ranges, lengths and the
`web.validation` rules and raises Invalid naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mirrormanager.errors import Invalid
from mirrormanager.manage import validation

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Field:
    kind: type  # bool, int, float or str
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    upper: bool = False
    check: Check | None = None
    admin: bool = False  # only admins may set it


def _email(value: str) -> str | None:
    return None if EMAIL.match(value) else "Enter an e-mail address."


def _hostname(value: str) -> str | None:
    return None if validation.hostname_ok(value) else "Use the host's DNS name."


def web_url_problem(value: str) -> str | None:
    """Links shown to people must be http(s) and name a host: no javascript: or data:."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return "Enter a URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Use an http(s) URL."
    return None


HOST_FIELDS: dict[str, Field] = {
    "name": Field(str, max_length=255, check=_hostname),
    "country": Field(str, upper=True, check=validation.country_problem),
    "bandwidth_int": Field(int, low=1, high=10_000_000),
    "max_connections": Field(int, low=1, high=1000),
    "private": Field(bool),
    "internet2": Field(bool),
    "internet2_clients": Field(bool),
    "asn": Field(int, nullable=True, check=validation.asn_problem),
    "asn_clients": Field(bool),
    "latitude": Field(float, nullable=True, low=-90, high=90),
    "longitude": Field(float, nullable=True, low=-180, high=180),
    "robot_email": Field(str, nullable=True, max_length=255, check=_email),
    "comment": Field(str, nullable=True, max_length=4000),
    "user_active": Field(bool),
    "admin_active": Field(bool, admin=True),
    "disable_reason": Field(str, nullable=True, max_length=1000, admin=True),
}
# What the web form starts with: a new host is enabled (admin_active) and active.
HOST_DEFAULTS: dict[str, Any] = {
    "bandwidth_int": 100,
    "max_connections": 1,
    "private": False,
    "internet2": False,
    "internet2_clients": False,
    "asn": None,
    "asn_clients": True,
    "latitude": None,
    "longitude": None,
    "robot_email": None,
    "comment": None,
    "user_active": True,
    "admin_active": True,
    "disable_reason": None,
}

SITE_FIELDS: dict[str, Field] = {
    "name": Field(str, max_length=200),
    "org_url": Field(str, nullable=True, max_length=1024, check=web_url_problem),
    "password": Field(str, nullable=True, min_length=8, max_length=255),
    "private": Field(bool),
    "user_active": Field(bool),
    "admin_active": Field(bool, admin=True),
    "downstream_comments": Field(str, nullable=True, max_length=4000),
}
SITE_DEFAULTS: dict[str, Any] = {
    "org_url": None,
    "password": None,
    "private": False,
    "user_active": True,
    "admin_active": True,
    "downstream_comments": None,
}


def clean_value(name: str, spec: Field, value: Any) -> Any:
    """`value` checked and normalised (stripped, upper-cased, '' → None) or Invalid."""
    if isinstance(value, str):
        # The length limit holds for what was sent (as the API document says), not only
        # for what is left after stripping.
        _max_length(name, spec, value)
        value = value.strip()
        if spec.upper:
            value = value.upper()
        if value == "" and spec.kind is not str:
            value = None
        if value == "" and spec.nullable:
            value = None
    if value is None:
        if spec.nullable:
            return None
        raise Invalid(f"{name} is required.", field=name)
    value = _typed(name, spec, value)
    if isinstance(value, str):
        if value == "":
            raise Invalid(f"{name} is required.", field=name)
        lookup_text(name, value)
        _max_length(name, spec, value)
        if spec.min_length is not None and len(value) < spec.min_length:
            raise Invalid(f"{name} needs at least {spec.min_length} characters.", field=name)
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and (
        (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high)
    ):
        raise Invalid(f"{name} must be between {_num(spec.low)} and {_num(spec.high)}.", field=name)
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise Invalid(problem, field=name)
    return value


def _max_length(name: str, spec: Field, value: str) -> None:
    if spec.max_length is not None and len(value) > spec.max_length:
        raise Invalid(f"{name} is longer than {spec.max_length} characters.", field=name)


def _num(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value)


def _typed(name: str, spec: Field, value: Any) -> Any:
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        raise Invalid(f"{name} must be true or false.", field=name)
    if spec.kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise Invalid(f"{name} must be an integer.", field=name)
    if spec.kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise Invalid(f"{name} must be a number.", field=name)
    if isinstance(value, str):
        return value
    raise Invalid(f"{name} must be a string.", field=name)


def lookup_text(name: str, value: str) -> str:
    """`value` unless it holds a NUL character (which PostgreSQL text cannot store)."""
    if "\x00" in value:
        raise Invalid(f"{name} must not contain NUL characters.", field=name)
    return value


def clean(specs: Mapping[str, Field], values: Mapping[str, Any]) -> dict[str, Any]:
    """All `values` checked against `specs`; an unknown name is Invalid too."""
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise Invalid(
            f"unknown field {unknown[0]!r}",
            field=unknown[0],
            hint=f"known: {', '.join(sorted(specs))}",
        )
    return {name: clean_value(name, specs[name], value) for name, value in values.items()}
