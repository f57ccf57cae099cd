"""The compiled parts of the answer path, when they were built and are wanted.

Four small C modules (`formats/_bodies.c`, `core/_orders*.c`, `mirrorlist/_query.c`,
`mirrorlist/_express*.c`, built by `pip install` through setup.py) do what their Python
twins do, faster. They are optional: without a C compiler the build goes on and the
Python versions serve the same answers. Set MIRRORMANAGER_PURE_PYTHON=1 to use the
Python versions even when the compiled ones exist (to compare, or to rule them out).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

ENV = "MIRRORMANAGER_PURE_PYTHON"
_active: list[str] = []  # the compiled modules in use, for the servers' start-up log


def wanted() -> bool:
    return os.environ.get(ENV, "") in ("", "0")


def load(name: str) -> ModuleType | None:
    """The compiled module `name`, or None (not built, or not wanted)."""
    if not wanted():
        return None
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    short = name.rpartition(".")[2]
    if short not in _active:  # a module may serve several Python modules
        _active.append(short)
    return module


def active() -> list[str]:
    """The compiled modules in use (`_bodies`, `_orders`, `_query`, `_express`), empty
    for pure Python."""
    return list(_active)
