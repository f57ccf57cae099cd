"""The plain-text mirrorlist answer (pure): a comment header, then one URL per host."""

from __future__ import annotations

import time
from collections.abc import Sequence

from mirrormanager.formats import bodies

_MAX_ECHO = 200


def clean(text: str) -> str:
    """A client-supplied value made safe to echo inside one comment line."""
    if len(text) > _MAX_ECHO or not text.isprintable():  # else one C-level check: ~1 us less
        text = "".join(ch if ch.isprintable() else "?" for ch in text[:_MAX_ECHO])
    return text.replace("--", "- -")


def describe(repo: str, arch: str, path: str) -> str:
    if path:
        return f"# path = {clean(path)}"
    return f"# repo = {clean(repo)} arch = {clean(arch)}"


def created_line(created: int) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
    return f"# mirrorlist created {stamp} ({created})\n"


def url_line(urls: Sequence[tuple[str, str]]) -> bytes:
    """A host's line without the suffix: its first (preferred) URL; b"" if it has none."""
    return urls[0][1].encode("utf-8", "replace") if urls else b""


def render(
    hosts: Sequence[bodies.LineHost],
    suffix: str,
    *,
    what: str,
    notes: Sequence[str],
    created: int | None = None,
) -> bytes:
    """`what` is `describe(...)`, then each host's prepared line (`url_line`: its first
    URL, they are preference-ordered) with the request's suffix."""
    head = " ".join([what, *notes]) + "\n"
    if created is not None:
        head += created_line(created)
    end = (suffix + "\n").encode("utf-8")
    return bodies.mirrorlist_body(head.encode("utf-8"), hosts, end)


def usage_error() -> bytes:
    return b"# either path=, or repo= and arch= must be specified\n"


def invalid_repo(repo: str, arch: str, valid_lines: str) -> bytes:
    head = f"{describe(repo, arch, '')} error: invalid repo or arch\n"
    return (head + valid_lines).encode("utf-8")


def disabled_repo(repo: str, arch: str) -> bytes:
    return f"{describe(repo, arch, '')}\n# repo disabled\n".encode()


def invalid_path(path: str) -> bytes:
    return f"{describe('', '', path)} error: invalid path\n".encode()


def message(text: str) -> bytes:
    """Any other error, one comment line."""
    return f"# error: {clean(text)}\n".encode()
