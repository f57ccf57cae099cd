"""The types a setting may have: how the docs name each, and how a value of the settings
file or of an environment variable becomes one (or a ConfigError naming the setting and
where the value came from). Adding a type to the settings table means adding it here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mirrormanager.core.categories import CategorySpec, parse_categories
from mirrormanager.core.hostport import HostPort, parse_host_port
from mirrormanager.core.repo_rules import RepoRule, parse_rules
from mirrormanager.errors import ConfigError


def type_name(tp: Any) -> str:
    """How `config show` and docs/configuration.md name the type."""
    if tp == tuple[str, ...]:
        return "list of strings"
    if tp == tuple[CategorySpec, ...]:
        return "list of category tables"
    if tp == tuple[RepoRule, ...]:
        return "list of rule tables"
    names = {str: "string", int: "integer", bool: "boolean", Path: "path", float: "number"}
    return {**names, HostPort: "host:port"}[tp]


def from_env_text(name: str, tp: Any, text: str, source: str) -> Any:
    """Environment values are text: scalars as themselves, lists as JSON or comma lists."""
    if tp in (str, Path, int, float, HostPort):
        return text
    if tp is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"setting '{name}' from {source} must be true or false, got {text!r}")
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"setting '{name}' from {source} is not valid JSON: {exc}") from exc
    if tp == tuple[str, ...]:
        return [part.strip() for part in text.split(",") if part.strip()]
    raise ConfigError(f"setting '{name}' from {source} must be a JSON list of tables")


def convert(name: str, tp: Any, value: Any, source: str) -> Any:
    def wrong(expected: str) -> ConfigError:
        return ConfigError(f"setting '{name}' in {source} must be {expected}, got {value!r}")

    if tp is str:
        if not isinstance(value, str):
            raise wrong("a string")
        return value
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise wrong("a path")
        return Path(value).expanduser()
    if tp is bool:
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if tp is int or tp is float:
        # a float setting takes an integer too; neither takes a boolean (an int in Python)
        expected, accepted = ("an integer", int) if tp is int else ("a number", int | float)
        if isinstance(value, str):
            try:
                value = tp(value)
            except ValueError:
                raise wrong(expected) from None
        if isinstance(value, bool) or not isinstance(value, accepted):
            raise wrong(expected)
        return tp(value)
    if tp is HostPort:
        if not isinstance(value, str):
            raise wrong("a host:port string")
        try:
            return parse_host_port(value)
        except ValueError as exc:
            raise ConfigError(f"setting '{name}' in {source}: {exc}") from None
    if tp == tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong("a list of strings")
        return tuple(value)
    if tp == tuple[CategorySpec, ...]:
        return parse_categories(value, source)
    if tp == tuple[RepoRule, ...]:
        return parse_rules(value, source)
    raise AssertionError(f"no converter for setting {name}")  # a programming error
