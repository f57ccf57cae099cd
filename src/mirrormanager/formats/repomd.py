"""repomd.xml: the index of a yum/dnf repository, written and read.

MirrorManager reads the master copy of every repository's ``repomd.xml`` to learn its
checksums, size and timestamp: the metalink hands those to dnf so it can tell a fresh mirror
from a stale one. The demo tree and the tests write real ones with :func:`build_repomd`.

Both functions are pure. Parsing goes through ``defusedxml`` because a repomd.xml comes from a
tree other people can write to: a DTD, an entity or an external reference is refused rather
than expanded, and every other defect becomes a :class:`~mirrormanager.errors.FormatError`
that names the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeET

from mirrormanager.errors import FormatError

REPO_NS = "http://linux.duke.edu/metadata/repo"
RPM_NS = "http://linux.duke.edu/metadata/rpm"

# The largest real repomd.xml files (Fedora updates with zchunk and appdata entries) are a few
# KiB; anything near this limit is not a repomd.xml and is not worth holding in memory.
MAX_REPOMD_BYTES = 10 * 1024 * 1024

_NONNEGATIVE_INT = re.compile(r"[0-9]+")
# Characters XML 1.0 cannot carry at all, even as character references.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Escaping tab, newline and carriage return keeps them through a parser's whitespace
# normalisation, so what build_repomd writes, parse_repomd reads back unchanged.
_TEXT_ENTITIES = {"\r": "&#13;"}
_ATTR_ENTITIES = {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


@dataclass(frozen=True)
class RepomdData:
    """One ``<data>`` entry: a metadata file (primary, filelists, …) of the repository."""

    type: str
    href: str
    checksum: str
    checksum_type: str
    open_checksum: str | None
    size: int
    open_size: int | None
    timestamp: int


@dataclass(frozen=True)
class Repomd:
    """A parsed repomd.xml.

    ``timestamp`` is the newest timestamp among the data entries, the figure dnf and
    MirrorManager compare to decide whether a mirror's copy is current.
    """

    revision: str | None
    timestamp: int | None
    data: tuple[RepomdData, ...]


def build_repomd(revision: str, data: Sequence[RepomdData]) -> bytes:
    """Return repomd.xml bytes laid out the way createrepo_c writes them.

    The output depends only on the arguments, so golden tests can compare whole files.
    Raises ``ValueError`` for values no repomd.xml can hold (negative sizes, duplicate types,
    characters XML forbids): those are bugs in the caller, not bad input files.
    """
    seen: set[str] = set()
    for entry in data:
        if entry.type in seen:
            raise ValueError(f"duplicate repomd data type {entry.type!r}")
        seen.add(entry.type)
        _check_entry(entry)
    _check_text("revision", revision)

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<repomd xmlns="{REPO_NS}" xmlns:rpm="{RPM_NS}">',
        f"  <revision>{_text(revision)}</revision>",
    ]
    for entry in data:
        kind = _attr(entry.checksum_type)
        lines.append(f"  <data type={_attr(entry.type)}>")
        lines.append(f"    <checksum type={kind}>{_text(entry.checksum)}</checksum>")
        if entry.open_checksum is not None:
            lines.append(
                f"    <open-checksum type={kind}>{_text(entry.open_checksum)}</open-checksum>"
            )
        lines.append(f"    <location href={_attr(entry.href)}/>")
        lines.append(f"    <timestamp>{entry.timestamp}</timestamp>")
        lines.append(f"    <size>{entry.size}</size>")
        if entry.open_size is not None:
            lines.append(f"    <open-size>{entry.open_size}</open-size>")
        lines.append("  </data>")
    lines.append("</repomd>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_repomd(raw: bytes, *, source: str = "repomd.xml") -> Repomd:
    """Parse repomd.xml bytes; ``source`` (a path or URL) names the file in errors.

    Unknown elements (``<tags>``, zchunk header checksums, …) are ignored so that newer
    createrepo_c output still parses.
    """
    if len(raw) > MAX_REPOMD_BYTES:
        raise FormatError(
            f"{source}: {len(raw)} bytes is larger than the {MAX_REPOMD_BYTES} byte limit"
            " for a repomd.xml"
        )
    try:
        root: ET.Element = SafeET.fromstring(
            raw, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        raise FormatError(f"{source}: refused unsafe XML ({type(exc).__name__})") from exc
    except (ET.ParseError, LookupError, UnicodeError) as exc:
        raise FormatError(f"{source}: not well-formed XML: {exc}") from exc

    if root.tag != _q("repomd"):
        raise FormatError(f"{source}: root element is <{root.tag}>, expected <{_q('repomd')}>")

    revision_el = root.find(_q("revision"))
    revision = None if revision_el is None else (revision_el.text or "")

    entries: list[RepomdData] = []
    seen: set[str] = set()
    for element in root.iterfind(_q("data")):
        entry = _parse_data(element, source)
        if entry.type in seen:
            raise FormatError(f"{source}: more than one <data type={entry.type!r}>")
        seen.add(entry.type)
        entries.append(entry)

    newest = max((entry.timestamp for entry in entries), default=None)
    return Repomd(revision=revision, timestamp=newest, data=tuple(entries))


def _parse_data(element: ET.Element, source: str) -> RepomdData:
    data_type = element.get("type")
    if not data_type:
        raise FormatError(f"{source}: a <data> element has no type attribute")
    where = f"{source}: <data type={data_type!r}>"

    checksum_el = element.find(_q("checksum"))
    if checksum_el is None:
        raise FormatError(f"{where} has no <checksum>")
    checksum = (checksum_el.text or "").strip()
    checksum_type = checksum_el.get("type")
    if not checksum or not checksum_type:
        raise FormatError(f"{where} has an empty <checksum> or no checksum type")

    open_checksum = None
    open_checksum_el = element.find(_q("open-checksum"))
    if open_checksum_el is not None:
        open_checksum = (open_checksum_el.text or "").strip()
        if not open_checksum:
            raise FormatError(f"{where} has an empty <open-checksum>")

    location_el = element.find(_q("location"))
    href = None if location_el is None else location_el.get("href")
    if not href:
        raise FormatError(f"{where} has no <location href=...>")

    timestamp = _int_child(element, "timestamp", where)
    size = _int_child(element, "size", where)
    if timestamp is None or size is None:
        missing = "timestamp" if timestamp is None else "size"
        raise FormatError(f"{where} has no <{missing}>")

    return RepomdData(
        type=data_type,
        href=href,
        checksum=checksum,
        checksum_type=checksum_type,
        open_checksum=open_checksum,
        size=size,
        open_size=_int_child(element, "open-size", where),
        timestamp=timestamp,
    )


def _int_child(element: ET.Element, name: str, where: str) -> int | None:
    child = element.find(_q(name))
    if child is None:
        return None
    text = (child.text or "").strip()
    # int() alone would also accept "1_000", "+5" and non-ASCII digits.
    if not _NONNEGATIVE_INT.fullmatch(text):
        raise FormatError(f"{where} has <{name}>{text!r}</{name}>, expected a whole number")
    return int(text)


def _check_entry(entry: RepomdData) -> None:
    for name in ("type", "href", "checksum", "checksum_type"):
        value: str = getattr(entry, name)
        if not value:
            raise ValueError(f"repomd data {entry.type!r}: {name} is empty")
        _check_text(name, value)
    if entry.open_checksum is not None:
        _check_text("open_checksum", entry.open_checksum)
    for name in ("size", "timestamp", "open_size"):
        number: int | None = getattr(entry, name)
        if number is not None and number < 0:
            raise ValueError(f"repomd data {entry.type!r}: {name} is negative")


def _check_text(name: str, value: str) -> None:
    bad = _NOT_XML_CHAR.search(value)
    if bad:
        raise ValueError(f"{name} holds {bad.group()!r}, which XML 1.0 cannot represent")


def _text(value: str) -> str:
    return escape(value, _TEXT_ENTITIES)


def _attr(value: str) -> str:
    return f'"{escape(value, _ATTR_ENTITIES)}"'


def _q(name: str) -> str:
    return f"{{{REPO_NS}}}{name}"
