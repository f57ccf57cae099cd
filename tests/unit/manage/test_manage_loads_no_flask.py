"""The service layer is the CLI's too: it must load without the web framework."""

from __future__ import annotations

import subprocess
import sys


def test_manage_imports_no_web_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, mirrormanager.manage as p\n"
        "for m in pkgutil.iter_modules(p.__path__):\n"
        "    importlib.import_module(f'{p.__name__}.{m.name}')\n"
        "import mirrormanager.cli.sites, mirrormanager.cli.hosts, mirrormanager.cli.tokens\n"
        "web = ('flask', 'wtforms', 'flask_wtf')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in web))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
