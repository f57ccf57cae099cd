"""Hashes for FileDetails: repomd.xml files and files named in checksum files (I/O)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from mirrormanager.errors import FormatError
from mirrormanager.formats.checksums import MAX_CHECKSUM_FILE, is_checksum_file, parse_checksums
from mirrormanager.formats.repomd import parse_repomd
from mirrormanager.scanner.filelist import FileEntry

MAX_REPOMD = 10 << 20


@dataclass(frozen=True, slots=True)
class DetailData:
    """A would-be FileDetail row, before it has a directory id."""

    filename: str
    timestamp: int
    size: int
    md5: str | None
    sha1: str | None
    sha256: str | None
    sha512: str | None


def repomd_detail(path: str) -> DetailData:
    """Hash a repomd.xml and take its timestamp from its content; FormatError if broken."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_REPOMD + 1)
        st = os.fstat(handle.fileno())
    if len(raw) > MAX_REPOMD:
        raise FormatError(f"{path} is larger than {MAX_REPOMD} bytes", path=path)
    repomd = parse_repomd(raw, source=path)
    return DetailData(
        filename="repomd.xml",
        timestamp=repomd.timestamp if repomd.timestamp is not None else int(st.st_mtime),
        size=len(raw),
        md5=hashlib.md5(raw, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(raw, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(raw).hexdigest(),
        sha512=hashlib.sha512(raw).hexdigest(),
    )


def checksum_details(directory: str, files: list[FileEntry]) -> list[DetailData]:
    """FileDetails for the files that a checksum file in this directory names."""
    present = {entry.name: entry for entry in files}
    hashes: dict[str, dict[str, str]] = {}
    for entry in files:
        if not is_checksum_file(entry.name) or entry.size > MAX_CHECKSUM_FILE:
            continue
        try:
            with open(os.path.join(directory, entry.name), "rb") as handle:
                text = handle.read(MAX_CHECKSUM_FILE).decode("utf-8", "replace")
        except OSError:
            continue
        for name, digests in parse_checksums(text).items():
            hashes.setdefault(name, {}).update(digests)
    details = []
    for name, digests in sorted(hashes.items()):
        target = present.get(name)
        if target is None:
            continue  # a checksum for a file that is not (yet) there
        details.append(
            DetailData(
                filename=name,
                timestamp=target.mtime,
                size=target.size,
                md5=digests.get("md5"),
                sha1=digests.get("sha1"),
                sha256=digests.get("sha256"),
                sha512=digests.get("sha512"),
            )
        )
    return details
