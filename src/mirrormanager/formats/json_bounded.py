"""JSON from outside, parsed with a bound on nesting (pure).

``json.loads`` recurses once per ``[`` or ``{``: 100,000 of them raise RecursionError,
which is no ValueError and so escaped every handler as a 500. Here a too-deep document is
a FormatError that says so; documents deeper than ``max_depth`` but shallow enough for
``json`` are refused as well, so no later recursive walk (validation, ``jsonify``) can
meet one either.
"""

from __future__ import annotations

import json
from typing import Any

from mirrormanager.errors import FormatError

MAX_JSON_DEPTH = 32


class JSONTooDeep(FormatError):
    """A JSON document nests arrays/objects deeper than allowed."""


def too_deep(value: Any, max_depth: int) -> bool:
    """True when ``value`` nests containers more than ``max_depth`` levels (iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads_bounded(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises JSONTooDeep instead of RecursionError; other parse
    errors stay ValueError (UnicodeDecodeError, JSONDecodeError) as with ``json.loads``."""
    try:
        value = json.loads(data)
    except RecursionError:
        value = None
        deep = True
    else:
        deep = too_deep(value, max_depth)
    if deep:
        raise JSONTooDeep(
            f"JSON nested more than {max_depth} levels deep",
            hint="send a flat document as the documentation describes",
        )
    return value
