"""The plain-text mirrorlist answer (pure): a comment header, then one URL per host."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

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


class HostLine(Protocol):
    @property
    def line(self) -> bytes:
        """`url_line(urls)`: the host's first URL without the suffix, never empty."""
        ...


def render(
    hosts: Sequence[HostLine],
    suffix: str,
    *,
    what: str,
    notes: Sequence[str],
    created: int | None = None,
) -> bytes:
    """`what` is `describe(...)`, then each host's prepared line (its first URL: they are
    preference-ordered) with the request's suffix."""
    head = " ".join([what, *notes]) + "\n"
    if created is not None:
        head += created_line(created)
    if not hosts:
        return head.encode("utf-8")
    end = (suffix + "\n").encode("utf-8")
    # one join of the whole body: the head rides on the first line, an empty last piece
    # gives the last line its end
    lines = [h.line for h in hosts]
    lines[0] = head.encode("utf-8") + lines[0]
    lines.append(b"")
    return end.join(lines)


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
