"""The writer shared by the small demo tree and its Fedora-scale bulk: files, repodata, mtimes.

Both :mod:`mirrormanager.demo.tree` and :mod:`mirrormanager.demo.tree_fedora` write through
:class:`Writer`, so they agree on layout, package names and repodata; the tree modules hold
only what to write.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from mirrormanager.formats.repomd import RPM_NS, RepomdData, build_repomd

EPOCH: Final = 1790812800  # 2026-10-01T00:00:00Z: the mtime and repomd timestamp of the tree


FEDORA = "pub/fedora/linux"
SECONDARY = "pub/fedora-secondary"
EPEL = "pub/epel"
ARCHIVE = "pub/archive"
PRIMARY_ARCHES = ("x86_64", "aarch64")
SECONDARY_ARCHES = ("ppc64le", "s390x")

ProgressCallback = Callable[[int, int], None]
_RPM_LEAD = b"\xed\xab\xee\xdb"  # the magic every rpm file starts with
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    release: str
    arch: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}-{self.release}.{self.arch}.rpm"

    @property
    def href(self) -> str:
        return f"Packages/{self.name[0].lower()}/{self.filename}"


@dataclass(frozen=True)
class Repo:
    path: str
    packages: tuple[Package, ...]


# --- files, repodata and mtimes ----------------------------------------------------------------

Listed = tuple[Package, str, int]  # package, sha256 of the rpm file, its size
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_TOUCH_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


class Writer:
    """Creates entries under root, counting them and remembering them for the mtime pass."""

    def __init__(self, root: Path) -> None:
        self.root = os.fspath(root)
        self.dirs: list[str] = []  # absolute paths, parents before children
        self.files: list[str] = []  # files with content; zero-byte ones are only counted
        self.empty_files = 0
        self.bytes = 0
        self.repositories: list[str] = []
        self._known: set[str] = set()

    def mkdir(self, rel: str) -> str:
        path = f"{self.root}/{rel}"
        if rel not in self._known:
            parent = rel.rpartition("/")[0]
            if parent:
                self.mkdir(parent)
            try:
                os.mkdir(path)
            except FileExistsError:
                pass  # a parent that was there before (add_release)
            else:
                self.dirs.append(path)
            self._known.add(rel)
        return path

    def write(self, rel: str, data: bytes) -> None:
        directory, _, name = rel.rpartition("/")
        path = f"{self.mkdir(directory)}/{name}"
        with open(path, "xb") as stream:
            stream.write(data)
        self.files.append(path)
        self.bytes += len(data)

    def touch(self, rel_dir: str, names: Iterable[str]) -> int:
        """Create empty files through a directory fd: no path walk, no Python objects."""
        directory = os.open(self.mkdir(rel_dir), os.O_RDONLY | os.O_DIRECTORY)
        count = 0
        try:
            for name in names:
                os.close(os.open(name, _TOUCH_FLAGS, 0o644, dir_fd=directory))
                count += 1
        finally:
            os.close(directory)
        self.empty_files += count
        return count

    def repo(self, repo: Repo, timestamp: int) -> None:
        listed = []
        for package in repo.packages:
            content = rpm_bytes(package)
            self.write(f"{repo.path}/{package.href}", content)
            listed.append(list_entry(package, content))
        self.repodata(repo.path, listed, timestamp)

    def repodata(self, rel: str, listed: Sequence[Listed], timestamp: int) -> None:
        for name, content in repodata_files(listed, timestamp):
            self.write(f"{rel}/repodata/{name}", content)
        self.repositories.append(rel)

    def stamp(self, when: int) -> None:
        """Give everything written a fixed mtime, children first.

        Done once at the end because creating an entry bumps its directory's mtime, and
        because on ext4 a utime right after the create was measured a hundred times slower.
        Empty files keep their creation time: a million extra syscalls buy nothing.
        """
        times = (when, when)
        for path in self.files:
            os.utime(path, times)
        for path in reversed(self.dirs):
            os.utime(path, times)


def rpm_bytes(package: Package) -> bytes:
    return _RPM_LEAD + f" mirrormanager demo package {package.filename}\n".encode()


def list_entry(package: Package, content: bytes) -> Listed:
    return package, hashlib.sha256(content).hexdigest(), len(content)


def parse_filename(filename: str) -> Package:
    """``name-version-release.arch.rpm`` back into its parts (no demo version holds a dash)."""
    stem, _, arch = filename.removesuffix(".rpm").rpartition(".")
    name, version, release = stem.rsplit("-", 2)
    return Package(name, version, release, arch)


def repodata_files(listed: Sequence[Listed], timestamp: int) -> list[tuple[str, bytes]]:
    """The files of a repodata directory, repomd.xml last, named as createrepo_c names them."""
    files: list[tuple[str, bytes]] = []
    entries: list[RepomdData] = []
    for kind, element, namespaces in _METADATA:
        xml = _metadata_xml(kind, element, namespaces, listed)
        compressed = gzip.compress(xml, mtime=0)  # mtime=0 keeps the bytes reproducible
        digest = hashlib.sha256(compressed).hexdigest()
        name = f"{digest}-{kind}.xml.gz"
        files.append((name, compressed))
        entries.append(
            RepomdData(
                type=kind,
                href=f"repodata/{name}",
                checksum=digest,
                checksum_type="sha256",
                open_checksum=hashlib.sha256(xml).hexdigest(),
                size=len(compressed),
                open_size=len(xml),
                timestamp=timestamp,
            )
        )
    files.append(("repomd.xml", build_repomd(str(timestamp), entries)))
    return files


_METADATA = (  # repomd type, root element and its namespace declarations
    (
        "primary",
        "metadata",
        f'xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="{RPM_NS}"',
    ),
    ("filelists", "filelists", 'xmlns="http://linux.duke.edu/metadata/filelists"'),
    ("other", "otherdata", 'xmlns="http://linux.duke.edu/metadata/other"'),
)


def _metadata_xml(kind: str, element: str, namespaces: str, listed: Sequence[Listed]) -> bytes:
    """A primary, filelists or other.xml with the elements dnf-like readers look at first."""
    lines = [_XML_DECLARATION, f'<{element} {namespaces} packages="{len(listed)}">']
    for package, checksum, size in listed:
        name, arch = quoteattr(package.name), quoteattr(package.arch)
        ver, rel = quoteattr(package.version), quoteattr(package.release)
        version = f'<version epoch="0" ver={ver} rel={rel}/>'
        if kind != "primary":
            lines.append(f'<package pkgid="{checksum}" name={name} arch={arch}>\n  {version}')
            if kind == "filelists":
                lines.append(f"  <file>/usr/share/doc/{escape(package.name)}/README</file>")
            lines.append("</package>")
            continue
        lines += [
            '<package type="rpm">',
            f"  <name>{escape(package.name)}</name>",
            f"  <arch>{escape(package.arch)}</arch>",
            f"  {version}",
            f'  <checksum type="sha256" pkgid="YES">{checksum}</checksum>',
            f"  <summary>Demo package {escape(package.name)}</summary>",
            f'  <size package="{size}" installed="{size}" archive="{size}"/>',
            f"  <location href={quoteattr(package.href)}/>",
            "</package>",
        ]
    lines.append(f"</{element}>\n")
    return "\n".join(lines).encode()
