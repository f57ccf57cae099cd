"""Write quick-fedora-mirror `fullfiletimelist-*` files for test trees (the tests' master)."""

from __future__ import annotations

import os
import stat

from mirrormanager.files.atomic import write_atomic


def write_timelist(top: str, output: str, *, prefix: str = "") -> int:
    """Write a fullfiletimelist of the tree at `top`, as Fedora's master publishes it.

    Returns the number of entries. Written atomically, like every file MirrorManager
    publishes.
    """
    lines = []
    for directory, dirnames, filenames in os.walk(top):
        rel = os.path.relpath(directory, top)
        rel = "" if rel == "." else rel
        for name in sorted(dirnames):
            st = os.lstat(os.path.join(directory, name))
            path = f"{prefix}{rel}/{name}" if rel else f"{prefix}{name}"
            lines.append(f"{int(st.st_ctime)}\td\t0\t{path}")
        for name in sorted(filenames):
            if name.startswith("fullfiletimelist-"):
                continue
            st = os.lstat(os.path.join(directory, name))
            kind = "l" if stat.S_ISLNK(st.st_mode) else "f"
            path = f"{prefix}{rel}/{name}" if rel else f"{prefix}{name}"
            lines.append(f"{int(st.st_mtime)}\t{kind}\t{st.st_size}\t{path}")
    body = "\n".join(lines)
    write_atomic(output, f"[Version]\n2\n\n[Files]\n{body}\n\n[End]\n")
    return len(lines)
