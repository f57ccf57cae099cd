"""Deeply nested JSON is a FormatError, never a RecursionError."""

from __future__ import annotations

import pytest

from mirrormanager.formats.json_bounded import JSONTooDeep, loads_bounded


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000, "[" * 40 + "]" * 40])
def test_too_deep_is_refused_clearly(text: str) -> None:
    with pytest.raises(JSONTooDeep, match="nested more than 32 levels"):
        loads_bounded(text)


def test_shallow_documents_parse_and_bad_ones_stay_value_errors() -> None:
    assert loads_bounded('{"a": [1, {"b": []}]}') == {"a": [1, {"b": []}]}
    assert loads_bounded("[" * 32 + "]" * 32) is not None
    with pytest.raises(ValueError):
        loads_bounded("{")
