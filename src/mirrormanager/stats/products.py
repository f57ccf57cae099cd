"""Which product and version a repo prefix belongs to (pure).

The Repository table is the authority (`ingest` looks prefixes up there first); this parser
covers prefixes the database does not know (any more), such as those of end-of-life
releases still in old logs, and keeps the statistics meaningful without a scan.
"""

from __future__ import annotations

import re

_TRAILING_VERSION = re.compile(r"(?:^|[-_])(?:f|el|epel)?(\d+(?:\.\d+)?)$")


def product_version(prefix: str) -> tuple[str | None, str | None]:
    """``fedora-41`` → (Fedora, 41); ``testing-epel9`` → (EPEL, 9); ``rawhide`` → (Fedora,
    rawhide); unknown shapes → (None, None)."""
    name = prefix.strip().lower()
    if not name:
        return None, None
    if name.startswith("rawhide"):
        return "Fedora", "rawhide"
    match = _TRAILING_VERSION.search(name)
    if "epel" in name:
        return "EPEL", match.group(1) if match else None
    if match and (name.startswith(("fedora", "updates")) or name.startswith("f")):
        return "Fedora", match.group(1)
    return None, None
