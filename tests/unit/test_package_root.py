"""The package root holds only what every part shares: settings, errors, logging.

Everything else lives in a subpackage named for its part of the system (the demo in
``demo/``), so ``ls src/mirrormanager`` shows the architecture.
"""

from __future__ import annotations

from pathlib import Path

import mirrormanager

ALLOWED_MODULES = {"__init__.py", "__main__.py", "settings.py", "errors.py", "logging.py"}
ALLOWED_FILES = {"py.typed"}


def _root() -> Path:
    return Path(mirrormanager.__file__).parent


def test_package_root_holds_only_settings_errors_and_logging() -> None:
    assert (_root() / "demo" / "world.py").is_file()  # the demo moved here, not away
    files = {p.name for p in _root().iterdir() if p.is_file() and not p.name.endswith(".pyc")}
    assert files - ALLOWED_MODULES - ALLOWED_FILES == set(), (
        "move these modules into the subpackage of their part of the system"
    )
    assert files >= ALLOWED_MODULES
