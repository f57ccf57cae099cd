"""report_mirror, the mirror-side check-in client.

Reads MirrorManager2's ``report_mirror.conf`` unchanged::

    [global]
    enabled=1
    server=https://mirrormanager.example.org/xmlrpc
    [site]
    enabled=1
    name=Example Site
    password=secret
    [host]
    enabled=1
    name=mirror.example.org
    [stats]
    [Fedora Linux]
    enabled=1
    path=/srv/mirror/fedora/linux

walks each enabled category path (directories only) and sends the same JSON document
MirrorManager2's client sends, as XML-RPC ``checkin(urlsafe_b64(bz2(json)))`` to a
``…/xmlrpc`` server, or as plain JSON to a ``…/api/checkin`` server. Unlike
MirrorManager2's client, ``enabled=0`` does skip a category.
"""

from __future__ import annotations

import configparser
import json
import os
import xmlrpc.client
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx

from mirrormanager.checkin.payload import RESERVED, encode_xmlrpc_argument
from mirrormanager.errors import ConfigError, MirrorManagerError

DEFAULT_CONFIG = Path("/etc/mirrormanager-client/report_mirror.conf")
TIMEOUT_SECONDS = 120.0


class CheckinFailed(MirrorManagerError):
    """The server refused the check-in or could not be reached."""

    exit_code = 7


def read_config(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        with path.open(encoding="utf-8") as stream:
            parser.read_file(stream)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", path=path) from None
    except configparser.Error as exc:
        raise ConfigError(f"{path} is not a report_mirror config: {exc}", path=path) from None
    for section, key in (("global", "server"), ("site", "name"), ("site", "password")):
        if not parser.has_option(section, key):
            raise ConfigError(f"{path}: [{section}] {key} is missing", path=path)
    if not parser.has_option("host", "name"):
        raise ConfigError(f"{path}: [host] name is missing", path=path)
    return parser


def _excluded(relpath: str, patterns: Sequence[str]) -> bool:
    probe = relpath + "/"
    return any(pattern in probe for pattern in patterns)


def walk_directories(root: Path, excludes: Sequence[str] = ()) -> list[str]:
    """Every directory below ``root`` as a relative path ("" for root), symlinks not followed."""
    found = [""]
    for current, dirs, _files in os.walk(root):
        base = os.path.relpath(current, root)
        kept = []
        for name in sorted(dirs):
            relpath = name if base == "." else f"{base}/{name}"
            if not _excluded(relpath, excludes):
                kept.append(name)
                found.append(relpath)
        dirs[:] = kept
    return found


def read_excludes(path: Path | None) -> list[str]:
    if path is None:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_document(
    parser: configparser.RawConfigParser, excludes: Sequence[str] = ()
) -> dict[str, Any]:
    """The check-in document, as MirrorManager2's report_mirror builds it."""
    document: dict[str, Any] = {"version": 0, "stats": {}}
    for section in ("global", "site", "host"):
        document[section] = dict(parser.items(section)) if parser.has_section(section) else {}
    for section in parser.sections():
        if section.lower() in RESERVED:
            continue
        if parser.get(section, "enabled", fallback="1").strip() != "1":
            continue
        path = parser.get(section, "path", fallback="")
        if not path or not Path(path).is_dir():
            raise ConfigError(f"[{section}] path {path!r} is not a directory", path=path)
        tree: dict[str, dict[str, Any]] = {
            relpath: {} for relpath in walk_directories(Path(path), excludes)
        }
        document[section.lower()] = {"enabled": "1", "dirtree": tree}
    return document


def redacted(document: dict[str, Any]) -> dict[str, Any]:
    shown = dict(document)
    shown["site"] = {**document.get("site", {}), "password": "********"}
    return shown


def send(document: dict[str, Any], server: str, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """Send to ``server``: JSON when it ends in /api/checkin, else XML-RPC; the reply text."""
    try:
        if server.rstrip("/").endswith("/api/checkin"):
            response = httpx.post(server, json=document, timeout=timeout)
            body = response.json()
            if response.status_code != 200:
                raise CheckinFailed(f"check-in refused (HTTP {response.status_code}): {body}")
            return str(body.get("message", ""))
        call = xmlrpc.client.dumps((encode_xmlrpc_argument(document),), "checkin")
        response = httpx.post(
            server, content=call.encode(), headers={"Content-Type": "text/xml"}, timeout=timeout
        )
        if response.status_code != 200:
            raise CheckinFailed(f"check-in refused (HTTP {response.status_code}): {response.text}")
        (reply,), _ = xmlrpc.client.loads(response.content)
        return str(reply)
    except xmlrpc.client.Fault as fault:
        raise CheckinFailed(f"check-in refused: {fault.faultString}") from None
    except (httpx.HTTPError, ValueError) as exc:
        raise CheckinFailed(f"cannot check in at {server}: {exc}") from None


def report_mirror(
    config: Path,
    *,
    dry_run: bool = False,
    exclude_from: Path | None = None,
    server: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Build the document and (unless ``dry_run``) send it; returns (document, reply)."""
    parser = read_config(config)
    if parser.get("global", "enabled", fallback="1").strip() != "1":
        raise ConfigError(f"{config}: report_mirror is disabled ([global] enabled)", path=config)
    document = build_document(parser, read_excludes(exclude_from))
    if dry_run:
        return document, None
    return document, send(document, server or parser.get("global", "server"))


def category_counts(document: dict[str, Any]) -> Iterable[tuple[str, int]]:
    for name, section in document.items():
        if name not in RESERVED and isinstance(section, dict):
            yield name, len(section.get("dirtree", {}))


def dumps_for_humans(document: dict[str, Any]) -> str:
    return json.dumps(redacted(document), indent=2, sort_keys=True)
