"""Type stubs of the compiled `_express.c` (see mirrorlist/express.py, its reference)."""

from collections.abc import MutableMapping
from typing import Any

from mirrormanager.mirrorlist.app import MirrorlistApp

def answer(
    app: MirrorlistApp, scope: MutableMapping[str, Any], /
) -> tuple[MutableMapping[str, Any], MutableMapping[str, Any]] | None: ...
