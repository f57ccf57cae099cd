"""Name the repositories of the master tree with ordered, declarative rules.

The scanner finds a repository wherever a directory holds `repodata/repomd.xml`. Which dnf
repo id (the *prefix*, `repo=` in a metalink request), Version and Arch it belongs to is a
property of the distribution's directory layout, so it lives in settings as `[[repo_rules]]`
tables (path regex → templates) instead of code: another distribution only writes rules.
MirrorManager2 hard-codes the same knowledge as substring tests in `repomap.repo_prefix`.

Rules are validated once, when settings load, so that matching (run for every repository
directory of every scan) cannot fail and does no parsing.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from mirrormanager.errors import ConfigError

__all__ = ["RepoMatch", "RepoRule", "match_repository", "parse_rules"]

_KEYS = ("path", "prefix", "categories", "version", "arch", "is_test", "product")
_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class RepoRule:
    """One rule: a pattern over a repository directory and templates over its named groups."""

    # re.fullmatch against the directory path relative to the category's top directory,
    # "/"-separated, without leading or trailing slash: "releases/41/Everything/x86_64/os".
    path: re.Pattern[str]
    # str.format template over the named groups; None names a repository without prefix.
    prefix: str | None
    # Category names the rule applies to; empty means every category.
    categories: frozenset[str]
    version: str = "{version}"
    arch: str = "{arch}"
    is_test: bool = False
    # Product the Version belongs to when it is not the category's (EPEL in the archive).
    product: str | None = None


@dataclass(frozen=True, slots=True)
class RepoMatch:
    """What the first matching rule says about a repository directory."""

    prefix: str | None
    version: str
    arch: str
    is_test: bool
    rule_index: int
    product: str | None = None


def parse_rules(raw: object, source: str) -> tuple[RepoRule, ...]:
    """Validate `[[repo_rules]]` tables from `source` and compile their patterns.

    Every mistake raises ConfigError naming the file, the entry and key (`repo_rules[3].path`)
    and the problem, so an operator can fix the settings without reading code.
    """
    if not isinstance(raw, list | tuple):
        raise ConfigError(
            f"setting 'repo_rules' in {source} must be a list of tables, got {_kind(raw)}"
        )
    return tuple(
        _parse_rule(entry, f"repo_rules[{index}]", source) for index, entry in enumerate(raw)
    )


def match_repository(rules: Sequence[RepoRule], category: str, relpath: str) -> RepoMatch | None:
    """Apply the first rule of `category` whose pattern matches `relpath`; None if none does.

    Groups that did not take part in the match fill templates with "". A rule that would leave
    the version or the arch empty cannot name a repository, so the next rule gets its turn.
    """
    for index, rule in enumerate(rules):
        if rule.categories and category not in rule.categories:
            continue
        found = rule.path.fullmatch(relpath)
        if found is None:
            continue
        groups = found.groupdict("")
        version = rule.version.format_map(groups)
        arch = rule.arch.format_map(groups)
        if not version or not arch:
            continue
        prefix = rule.prefix.format_map(groups) if rule.prefix is not None else None
        return RepoMatch(
            prefix=prefix or None,
            version=version,
            arch=arch,
            is_test=rule.is_test,
            rule_index=index,
            product=rule.product,
        )
    return None


def _parse_rule(entry: object, where: str, source: str) -> RepoRule:
    def bad(key: str, problem: str) -> ConfigError:
        return ConfigError(f"setting '{where}.{key}' in {source} {problem}")

    if not isinstance(entry, dict):
        raise ConfigError(f"setting '{where}' in {source} must be a table, got {_kind(entry)}")
    unknown = sorted(str(key) for key in entry if key not in _KEYS)
    if unknown:
        raise ConfigError(
            f"unknown key '{where}.{unknown[0]}' in {source}",
            hint=f"known keys: {', '.join(_KEYS)}",
        )
    for key in ("path", "prefix"):
        if key not in entry:
            raise bad(key, "is required")
    texts: dict[str, str] = {}
    for key in ("path", "prefix", "version", "arch"):
        value = entry.get(key, f"{{{key}}}")
        if not isinstance(value, str):
            raise bad(key, f"must be a string, got {_kind(value)}")
        texts[key] = value
    is_test = entry.get("is_test", False)
    if not isinstance(is_test, bool):
        raise bad("is_test", f"must be true or false, got {_kind(is_test)}")
    product = entry.get("product")
    if product is not None and (not isinstance(product, str) or not product.strip()):
        raise bad("product", f"must be a non-empty string, got {_kind(product)}")
    categories = entry.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise bad("categories", "must be a list of category names (strings)")

    try:
        pattern = re.compile(texts["path"])
    except re.error as exc:
        raise bad("path", f"is not a valid regular expression {texts['path']!r}: {exc}") from None
    for key in ("prefix", "version", "arch"):
        problem = _template_problem(texts[key], pattern)
        if problem:
            raise bad(key, problem)

    return RepoRule(
        path=pattern,
        prefix=texts["prefix"] or None,
        categories=frozenset(categories),
        version=texts["version"],
        arch=texts["arch"],
        is_test=is_test,
        product=product,
    )


def _template_problem(template: str, pattern: re.Pattern[str]) -> str | None:
    """Why `template` cannot be filled from `pattern`'s groups, or None if it always can.

    Only plain `{group}` fields are allowed: with no conversions, format specs or positional
    fields, filling a validated template from a match can never raise.
    """
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in _FORMATTER.parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return f"is not a valid template {template!r}: {exc}"
    for name, spec, conversion in fields:
        if not name:
            return f"has an empty {{}} field in template {template!r}; name a group of the path"
        if spec or conversion:
            return f"must use plain {{{name}}} fields, without '!' or ':' (template {template!r})"
        if name not in pattern.groupindex:
            defined = ", ".join(sorted(pattern.groupindex)) or "none"
            return (
                f"names group {name!r}, which the path pattern does not define "
                f"(template {template!r}; the pattern's named groups: {defined})"
            )
    return None


def _kind(value: object) -> str:
    """A TOML-flavoured name for the type of `value`, for error messages."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names |= {list: "an array", tuple: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)
