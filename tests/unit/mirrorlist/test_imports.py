"""The mirrorlist server never loads the database layer (STYLE: it scales out without one),
nor the snapshot builder; core's selection loads no format (issue 10: no circle)."""

from __future__ import annotations

import subprocess
import sys


def test_mirrorlist_imports_no_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "import mirrormanager.mirrorlist, mirrormanager.mirrorlist.app\n"
        "import mirrormanager.mirrorlist.server, mirrormanager.mirrorlist.state\n"
        "from mirrormanager.mirrorlist.state import default_decoder\n"
        "try:\n"
        "    default_decoder(b'')\n"
        "except Exception:\n"
        "    pass\n"
        "db = ('sqlalchemy', 'alembic', 'psycopg')\n"
        "ours = ('mirrormanager.db', 'mirrormanager.snapshot', 'mirrormanager.web')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in db or m.startswith(ours)]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_core_selection_imports_no_format() -> None:
    code = (
        "import sys\n"
        "import mirrormanager.core.selection, mirrormanager.core.targets\n"
        "print(','.join(m for m in sys.modules if m.startswith('mirrormanager.formats')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
