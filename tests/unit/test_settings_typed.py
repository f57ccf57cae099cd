"""Settings arrive typed: a misspelt setting name is a type error, not a runtime surprise."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

SRC = Path(__file__).parents[2] / "src"

SNIPPET = """
from mirrormanager.settings import Settings
from mirrormanager.web.helpers import app_settings

def bind(settings: Settings) -> str:
    return str(settings.web_bnd)

def page_size() -> int:
    return app_settings().web_pagesize
"""


def test_a_misspelt_setting_fails_the_type_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "misspelt.py"
    module.write_text(SNIPPET, encoding="utf-8")
    monkeypatch.setenv("MYPYPATH", str(SRC))
    args = ["--strict", "--follow-imports=silent", "--no-incremental", str(module)]
    out, _err, status = api.run(["--cache-dir", str(tmp_path / "cache"), *args])
    assert status == 1, out
    assert '"Settings" has no attribute "web_bnd"' in out
    assert '"Settings" has no attribute "web_pagesize"' in out
