"""A setting is read or it is gone: every row of the settings table is read somewhere in src/.

"Read" means an attribute access ``<something>.<setting name>`` in a module other than the
settings loader (inside ``settings.py`` only ``self.<name>``, i.e. the ``effective_*``
properties, counts). A setting nobody reads misleads every operator who sets it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mirrormanager
from mirrormanager.settings import settings_table

SRC = Path(mirrormanager.__file__).parent


def _attributes_read() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        loader = path == SRC / "settings.py"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not isinstance(node.ctx, ast.Load):
                continue
            if loader and not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                continue
            names.add(node.attr)
    return names


def test_every_setting_is_read_somewhere() -> None:
    read = _attributes_read()
    unread = [row.name for row in settings_table() if row.name not in read]
    assert unread == [], f"settings read by nothing in src/ (wire or remove them): {unread}"


def test_the_check_sees_an_unread_setting() -> None:
    assert "no_such_setting_anywhere" not in _attributes_read()
    assert "crawler_log_keep" in _attributes_read()
