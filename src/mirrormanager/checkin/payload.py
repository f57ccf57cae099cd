"""The report_mirror payload: decode, bound and validate it (pure; never unpickles).

MirrorManager2's client sends ``urlsafe_b64encode(bz2.compress(json.dumps(config)))``
as the single argument of the XML-RPC call ``checkin``; ``config`` is::

    {"version": 0, "global": {"enabled": "1", "server": ...},
     "site": {"enabled": "1", "name": ..., "password": ...},
     "host": {"enabled": "1", "name": ..., "user_active": ...},
     "stats": {},
     "<category name, lower-cased>": {"enabled": "1", "dirtree": {"<relpath>": {}, ...}}}

Its server fell back to unpickling when the JSON did not parse; this one refuses:
a payload whose decompressed bytes start like a pickle gets a clear error, and nothing
but ``json.loads`` ever sees the bytes. Decompression stops as soon as the output passes
the limit (``checkin_max_document_bytes``), so a bz2 bomb costs a few milliseconds and
no more memory than the limit; JSON nested deeper than a few dozen levels is refused.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mirrormanager.errors import FormatError
from mirrormanager.formats.json_bounded import loads_bounded

MAX_DECOMPRESSED_BYTES = 64 << 20
_STEP = 1 << 20  # bytes decompressed between two checks of the limit
MAX_DIRECTORIES = 500_000
MAX_PATH_CHARS = 4096
# Sections that are not categories.
RESERVED = frozenset({"version", "global", "site", "host", "stats"})
TRUE_WORDS = frozenset({"true", "1", "t", "y", "yes"})


class PayloadTooLarge(FormatError):
    """The payload (compressed or not) or its directory count exceeds a limit."""


@dataclass(frozen=True, slots=True)
class CheckinReport:
    site: str
    password: str
    host: str
    categories: dict[str, tuple[str, ...]]  # section name (any case) -> relative paths
    user_active: bool | None = None


def decode_xmlrpc_argument(
    data: str | bytes, *, max_decompressed: int = MAX_DECOMPRESSED_BYTES
) -> dict[str, Any]:
    """base64 (url-safe or standard) -> bz2 -> JSON object, within the limits."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    try:
        compressed = base64.urlsafe_b64decode(raw.replace(b"+", b"-").replace(b"/", b"_"))
    except (binascii.Error, ValueError):
        raise FormatError("check-in data is not base64") from None
    plain = bounded_bz2(compressed, max_decompressed)
    return parse_json_document(plain)


def bounded_bz2(compressed: bytes, limit: int) -> bytes:
    """Decompress at most ``limit`` bytes; more is a PayloadTooLarge (bomb-safe).

    Decompressed in 1 MiB steps with the limit checked after each, and the pieces kept in
    a list until the end: a bomb costs at most ``limit`` + one step of memory (one call with
    ``max_length=limit`` briefly held twice the limit while bz2 joined its buffers).
    """
    decompressor = bz2.BZ2Decompressor()
    pieces: list[bytes] = []
    size = 0
    data = compressed
    try:
        while not decompressor.eof:
            if decompressor.needs_input and not data:
                raise FormatError("check-in data is truncated bz2")
            piece = decompressor.decompress(data, max_length=_STEP)
            data = b""
            size += len(piece)
            if size > limit:
                raise PayloadTooLarge(f"check-in data decompresses to more than {limit} bytes")
            pieces.append(piece)
    except (OSError, EOFError, ValueError):
        raise FormatError("check-in data is not bz2-compressed") from None
    return b"".join(pieces)


def looks_like_pickle(plain: bytes) -> bool:
    """Protocol 2+ pickles start with 0x80; protocol 0/1 (Python 2's report_mirror) with
    an opcode such as ``(`` and end with ``.`` (STOP)."""
    head = plain.lstrip()[:1]
    return head == b"\x80" or (head in (b"(", b"}", b"c") and plain.rstrip().endswith(b"."))


def parse_json_document(plain: bytes) -> dict[str, Any]:
    """The JSON object; too deep a nesting is a FormatError (JSONTooDeep), never a
    RecursionError."""
    try:
        document = loads_bounded(plain)
    except (UnicodeDecodeError, ValueError):
        if looks_like_pickle(plain):
            raise FormatError(
                "pickle payloads are refused; use a report_mirror that sends JSON"
            ) from None
        raise FormatError("check-in data is not JSON") from None
    if not isinstance(document, dict):
        raise FormatError("check-in data must be a JSON object")
    return document


def _section(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = document.get(name)
    if not isinstance(section, dict):
        raise FormatError(f"check-in data lacks the [{name}] section")
    return section


def _text(section: Mapping[str, Any], key: str, where: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"check-in data lacks [{where}] {key}")
    return value.strip()


def _paths(raw: object, category: str) -> list[str]:
    if isinstance(raw, dict):
        items = list(raw)
    elif isinstance(raw, list):
        items = raw
    else:
        raise FormatError(f"[{category}] dirtree must be an object or a list")
    paths = []
    for item in items:
        if not isinstance(item, str) or len(item) > MAX_PATH_CHARS or "\x00" in item:
            raise FormatError(f"[{category}] dirtree holds an invalid path")
        path = item.strip("/")
        if ".." in path.split("/"):
            raise FormatError(f"[{category}] dirtree path {item!r} contains '..'")
        paths.append(path)
    return paths


def validate(
    document: Mapping[str, Any], *, max_directories: int = MAX_DIRECTORIES
) -> CheckinReport:
    """MirrorManager2's ``validate_config`` rules, plus limits; every error names the field."""
    if document.get("version", 0) != 0:
        raise FormatError("check-in data version must be 0")
    global_section = document.get("global", {"enabled": "1"})
    if not isinstance(global_section, dict) or str(global_section.get("enabled", "1")) != "1":
        raise FormatError("report_mirror is disabled in its [global] section")
    site, host = _section(document, "site"), _section(document, "host")
    categories: dict[str, tuple[str, ...]] = {}
    total = 0
    for name, section in document.items():
        if name in RESERVED:
            continue
        if not isinstance(section, dict) or "dirtree" not in section:
            raise FormatError(f"check-in section [{name}] lacks a dirtree")
        paths = _paths(section["dirtree"], name)
        total += len(paths)
        if total > max_directories:
            raise PayloadTooLarge(f"check-in lists more than {max_directories} directories")
        categories[name] = tuple(dict.fromkeys(paths))
    active = host.get("user_active")
    return CheckinReport(
        site=_text(site, "name", "site"),
        password=_text(site, "password", "site"),
        host=_text(host, "name", "host"),
        categories=categories,
        user_active=None if active is None else str(active).strip().lower() in TRUE_WORDS,
    )


def encode_xmlrpc_argument(document: Mapping[str, Any]) -> str:
    """What report_mirror sends: urlsafe base64 of bz2 of the JSON document."""
    plain = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(bz2.compress(plain)).decode("ascii")
