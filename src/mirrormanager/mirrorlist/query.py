"""The query string of a mirrorlist request, cut into its parameters (pure).

`parse_plain` takes the common query (nothing to decode) in one compiled pass
(`_query.c`) when it was built; `parse_query` decodes any other as `parse_qsl` would.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from mirrormanager.core import compiled
from mirrormanager.mirrorlist.handlers import control_character

MAX_QUERY = 4096  # bytes; longer queries get a 400


def _unquote(text: str) -> str:
    """`parse_qsl`'s decoding of one name or value ('+' is a space; %xx, UTF-8)."""
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text) if "%" in text else text


def _plain_fields(text: str) -> dict[str, str]:
    """The first value of each name of a query with nothing to decode."""
    params: dict[str, str] = {}
    if text:
        for field in text.split("&"):
            if field:
                name, _sep, value = field.partition("=")
                if name not in params:
                    params[name] = value
    return params


def parse_query(raw: bytes) -> dict[str, str]:
    """The first value of each parameter, as `parse_qsl(raw.decode("latin-1"),
    keep_blank_values=True)` decodes them, without its per-field function calls."""
    if b"%" not in raw and b"+" not in raw:  # the common case: nothing to decode
        return _plain_fields(raw.decode("latin-1"))
    params: dict[str, str] = {}
    for field in raw.decode("latin-1").split("&"):
        if not field:
            continue
        name, _sep, value = field.partition("=")
        name = _unquote(name)
        if name not in params:
            params[name] = _unquote(value)
    return params


def parse_plain_py(raw: bytes) -> tuple[dict[str, str], bool] | None:
    """`parse_query(raw)` and whether `control_character` would find nothing in it, for
    a query with nothing to decode (no `%`, no `+`); None for any other. The compiled
    `_query.parse`'s twin: the flag lets the handler skip its own check."""
    if b"%" in raw or b"+" in raw:
        return None
    text = raw.decode("latin-1")
    params = _plain_fields(text)
    # one C-level scan of the text decides dnf's queries (printable ASCII); the names
    # and values are the text's pieces, so a printable text holds no control character
    return params, text.isprintable() or control_character(params) is None


_compiled = compiled.load("mirrormanager.mirrorlist._query")
parse_plain: Callable[[bytes], tuple[dict[str, str], bool] | None] = (
    _compiled.parse if _compiled is not None else parse_plain_py
)
