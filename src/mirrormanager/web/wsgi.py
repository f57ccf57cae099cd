"""WSGI entry point for any WSGI server: `gunicorn 'mirrormanager.web.wsgi:app'`.

Settings come from $MM_CONFIG / MM_* variables as for every command.
"""

from __future__ import annotations

from mirrormanager.web.app import create_app

app = create_app()
