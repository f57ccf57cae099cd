"""The compiled modules under test (`core.compiled`), or why their tests do not run.

Not built (no C compiler when the package was installed): the tests of the compiled
modules are skipped with the reason — and fail in CI (`CI` set), so CI cannot silently
run the Python twins only. MIRRORMANAGER_PURE_PYTHON=1 does not hide a built module from
these tests: they compare it with its twin.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        reason = (
            f"{name} is not built: install a C compiler and the Python headers, then "
            "`pip install -e .` again (`make install`)"
        )
        if os.environ.get("CI", "") not in ("", "0", "false"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
