"""The categories to scan, as the settings declare them (`[[categories]]` tables).

Like `core.repo_rules`, the tables are validated once, when settings load, and every
mistake raises a ConfigError naming the file, the entry and the key.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from mirrormanager.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """A category to scan: its name, its product and its top directory below the master prefix."""

    name: str
    product: str
    topdir: str
    excludes: tuple[str, ...] = ()
    publiclist: bool = True
    admin_only: bool = False


def parse_categories(raw: object, source: str) -> tuple[CategorySpec, ...]:
    """Validate `[[categories]]` tables; errors name the file and the entry."""
    if not isinstance(raw, list):
        raise ConfigError(f"setting 'categories' in {source} must be a list of tables")
    specs: list[CategorySpec] = []
    allowed = {f.name for f in dataclasses.fields(CategorySpec)}
    for index, entry in enumerate(raw):
        where = f"categories[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"setting '{where}' in {source} must be a table")
        unknown = set(entry) - allowed
        if unknown:
            raise ConfigError(
                f"unknown key '{where}.{sorted(unknown)[0]}' in {source}",
                hint=f"known keys: {', '.join(sorted(allowed))}",
            )
        for key in ("name", "product", "topdir"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ConfigError(f"setting '{where}.{key}' in {source} must be a non-empty string")
        excludes = entry.get("excludes", [])
        if not isinstance(excludes, list) or not all(isinstance(x, str) for x in excludes):
            raise ConfigError(f"setting '{where}.excludes' in {source} must be a list of strings")
        for pattern in excludes:
            _compile(pattern, f"{where}.excludes", source)
        for key in ("publiclist", "admin_only"):
            if key in entry and not isinstance(entry[key], bool):
                raise ConfigError(f"setting '{where}.{key}' in {source} must be true or false")
        topdir = entry["topdir"].strip("/")
        if ".." in topdir.split("/"):
            raise ConfigError(f"setting '{where}.topdir' in {source} must not contain '..'")
        specs.append(
            CategorySpec(
                name=entry["name"],
                product=entry["product"],
                topdir=topdir,
                excludes=tuple(excludes),
                publiclist=entry.get("publiclist", True),
                admin_only=entry.get("admin_only", False),
            )
        )
    names = [s.name for s in specs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ConfigError(f"category {sorted(duplicates)[0]!r} is defined twice in {source}")
    return tuple(specs)


def _compile(pattern: str, key: str, source: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(
            f"setting '{key}' in {source}: bad regular expression {pattern!r}: {exc}"
        ) from exc
