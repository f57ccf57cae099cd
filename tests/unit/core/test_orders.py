"""The compiled gather of the answer pools (`_orders.c`) against its Python version."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.core import pool
from tests.compiled_modules import require

native = require("mirrormanager.core._orders")


@given(st.data(), st.lists(st.integers(), min_size=1, max_size=300))
def test_gather_is_the_python_list(data, values) -> None:
    items = tuple(values)
    order = array("I", data.draw(st.lists(st.integers(0, len(items) - 1), max_size=300)))
    end = data.draw(st.integers(-2, len(order) + 2))
    assert native.gather(items, order, end) == pool.gather_py(items, order, max(0, end))


def test_an_index_beyond_the_items_is_refused() -> None:
    with pytest.raises(IndexError):
        native.gather((1, 2), array("I", [0, 2]), 2)
    assert native.gather((1, 2), array("I", [0, 2]), 1) == [1]  # only the gathered ones


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError):
        native.gather([1, 2], array("I", [0]), 1)  # a list, not a tuple
    with pytest.raises(TypeError):
        native.gather((1, 2), array("H", [0]), 1)  # 2-byte indices
    with pytest.raises(TypeError):
        native.gather((1, 2), [0], 1)  # no buffer
    with pytest.raises(TypeError):
        native.gather((1, 2), array("I", [0]), "1")
