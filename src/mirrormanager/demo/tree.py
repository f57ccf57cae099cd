"""The demo master tree: a copy of the shape of Fedora's ``/srv/pub``, built on demand.

Tests, the README's demo command and the benchmarks all scan, crawl and serve this one tree,
so they agree on what "a Fedora-like master" means: the five categories, releases next to
updates and updates/testing, edition trees MirrorManager must ignore, old archive layouts,
and repodata whose repomd.xml checksums match the files exactly.

``scale="small"`` writes a few hundred files with real content in well under a second.
``scale="fedora"`` adds over a million zero-byte package files in over 100,000 directories
to measure the scanner at production size. Contents and mtimes are fixed, so two builds are
byte-identical; :func:`publish_update` and :func:`add_release` then change the tree the way a
compose push does.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal
from xml.sax.saxutils import escape, quoteattr

from mirrormanager.formats.repomd import RPM_NS, RepomdData, build_repomd, parse_repomd

if TYPE_CHECKING:
    from mirrormanager.demo_tree_fedora import Shape as _BulkShape

EPOCH: Final = 1790812800  # 2026-10-01T00:00:00Z: the mtime and repomd timestamp of the tree

# Category name -> top directory below the master prefix, as MirrorManager configures them.
CATEGORIES: Final = {
    "Fedora Linux": "pub/fedora/linux",
    "Fedora Secondary Arches": "pub/fedora-secondary",
    "Fedora EPEL": "pub/epel",
    "Fedora Archive": "pub/archive",
    "Fedora Other": "pub/alt",
}

ProgressCallback = Callable[[int, int], None]

_FEDORA = "pub/fedora/linux"
_SECONDARY = "pub/fedora-secondary"
_EPEL = "pub/epel"
_ARCHIVE = "pub/archive"
_PRIMARY_ARCHES = ("x86_64", "aarch64")
_SECONDARY_ARCHES = ("ppc64le", "s390x")
_SERVER_ISO_DIR = f"{_FEDORA}/releases/41/Server/x86_64/iso"
_RPM_LEAD = b"\xed\xab\xee\xdb"  # the magic every rpm file starts with
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# (name, version, built per arch?) - noarch packages land in every arch's repository.
_Catalog = tuple[tuple[str, str, bool], ...]
_FEDORA_PACKAGES: _Catalog = (
    ("bash", "5.2.32", True),
    ("coreutils", "9.5", True),
    ("curl", "8.9.1", True),
    ("dnf", "4.21.1", False),
    ("glibc", "2.40", True),
    ("python3", "3.13.0", True),
    ("python3-requests", "2.32.3", False),
    ("rpm", "4.20.0", True),
    ("systemd", "256.7", True),
    ("zlib-ng-compat", "2.1.7", True),
)
# Twelve kernel subpackages put more than ten files in one Packages/k directory.
_KERNEL_NAMES = (
    "kernel kernel-core kernel-devel kernel-doc kernel-headers kernel-modules kernel-modules-core"
    " kernel-modules-extra kernel-modules-internal kernel-tools kernel-tools-libs kernel-uki-virt"
)
_KERNEL_PACKAGES: _Catalog = tuple(
    (name, "6.11.4", name != "kernel-doc") for name in _KERNEL_NAMES.split()
)
_EPEL_PACKAGES: _Catalog = (
    ("fish", "3.7.1", True),
    ("htop", "3.3.0", True),
    ("ncdu", "2.6", True),
    ("pv", "1.8.14", True),
    ("python3-pip-audit", "2.7.3", False),
    ("ripgrep", "14.1.1", True),
    ("sshpass", "1.09", True),
)


@dataclass(frozen=True)
class DemoTreeSummary:
    """What a build wrote; ``repositories`` are the repodata parents relative to root."""

    directories: int
    files: int
    repositories: tuple[str, ...]
    bytes: int


@dataclass(frozen=True)
class _Package:
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
class _Repo:
    path: str
    packages: tuple[_Package, ...]


def build_demo_tree(
    root: Path,
    *,
    scale: Literal["small", "fedora"] = "small",
    progress: ProgressCallback | None = None,
) -> DemoTreeSummary:
    """Write the demo master tree under ``root`` (which plays ``/srv``) and describe it.

    ``progress(done, total)`` counts files. Refuses to write into an existing ``root/pub``
    because a half-old tree would make the counts and checksums lie.
    """
    if scale not in ("small", "fedora"):
        raise ValueError(f"unknown demo tree scale {scale!r}")
    if scale == "fedora":
        from mirrormanager.demo_tree_fedora import FEDORA_SHAPE

        return _build(root, FEDORA_SHAPE, progress)
    return _build(root, None, progress)


def publish_update(root: Path, relpath: str, *, timestamp: int | None = None) -> str:
    """Push one new package into the repository at ``relpath`` and regenerate its repodata.

    Like createrepo_c, the new metadata files get new checksum-named hrefs, repomd.xml is
    replaced by renaming a fsynced temporary file, and only then the previous generation's
    files go away, so a reader never sees a repomd.xml pointing at missing files. The
    timestamp defaults to an hour after the current one. Returns the new repomd.xml's sha256.
    """
    repo = Path(root, relpath)
    repodata = repo / "repodata"
    old = parse_repomd((repodata / "repomd.xml").read_bytes(), source=str(repodata))
    previous = EPOCH if old.timestamp is None else old.timestamp
    when = previous + 3600 if timestamp is None else timestamp
    if when <= previous:
        raise ValueError(f"timestamp {when} is not after {previous}, the current one of {relpath}")

    files = sorted(repo.glob("Packages/*/*.rpm"))
    arch = "src" if any(path.name.endswith(".src.rpm") for path in files) else "noarch"
    pushed = _Package("mirrormanager-demo-push", str(when), "1", arch)
    target = repo / pushed.href
    changed_dirs = [repodata, target.parent]
    if not target.parent.exists():
        changed_dirs.append(target.parent.parent)
        target.parent.mkdir(parents=True)
    _atomic_write(target, _rpm_bytes(pushed), when)

    listed = [_listed(_parse_filename(path.name), path.read_bytes()) for path in files]
    listed.append(_listed(pushed, _rpm_bytes(pushed)))
    generation = _repodata(listed, when)
    for name, content in generation:  # repomd.xml comes last
        _atomic_write(repodata / name, content, when)
    fresh = {name for name, _ in generation}
    for entry in old.data:
        stale = repo / entry.href
        if stale.parent == repodata and stale.name not in fresh:
            stale.unlink(missing_ok=True)
    for directory in changed_dirs:
        os.utime(directory, (when, when))
    return hashlib.sha256(generation[-1][1]).hexdigest()


def add_release(root: Path, version: str, *, timestamp: int = EPOCH + 86400) -> tuple[str, ...]:
    """Create ``releases/<version>/Everything/{x86_64,aarch64}/os``, as a new release appears.

    Stamps the new directories and ``releases/`` itself with ``timestamp`` so a scanner that
    trusts directory mtimes notices. Returns the new repositories' paths relative to root.
    """
    number = re.fullmatch(r"([0-9]+)[0-9A-Za-z._-]*", version)
    if number is None:
        raise ValueError(f"{version!r} is not a Fedora release name such as '42'")
    top = f"{_FEDORA}/releases/{version}"
    if Path(root, top).exists():
        raise FileExistsError(f"{Path(root, top)} already exists")
    writer = _Writer(root)
    repos = _everything(f"{top}/Everything", _PRIMARY_ARCHES, f"fc{number.group(1)}", kernel=True)
    for repo in repos:
        writer.repo(repo, timestamp)
    writer.stamp(timestamp)
    os.utime(Path(root, _FEDORA, "releases"), (timestamp, timestamp))
    return tuple(repo.path for repo in repos)


def _build(
    root: Path, shape: _BulkShape | None, progress: ProgressCallback | None
) -> DemoTreeSummary:
    if Path(root, "pub").exists():
        raise FileExistsError(f"{Path(root, 'pub')} already exists; build into an empty root")
    Path(root).mkdir(parents=True, exist_ok=True)
    writer = _Writer(root)
    for repo in _small_repos():
        writer.repo(repo, EPOCH)
    _write_small_extras(writer)
    if shape is not None:
        from mirrormanager.demo_tree_fedora import write_bulk

        write_bulk(writer, shape, progress)
    writer.stamp(EPOCH)
    done = len(writer.files) + writer.empty_files
    if progress is not None:
        progress(done, done)
    return DemoTreeSummary(
        directories=len(writer.dirs),
        files=done,
        repositories=tuple(sorted(writer.repositories)),
        bytes=writer.bytes,
    )


# --- the small tree ----------------------------------------------------------------------------


def _everything(
    base: str,
    arches: Sequence[str],
    dist: str,
    *,
    stage: Literal["release", "updates", "testing"] = "release",
    tree: bool = True,
    debug: Sequence[str] = (),
    source: bool = False,
    kernel: bool = False,
    catalog: _Catalog = _FEDORA_PACKAGES,
) -> list[_Repo]:
    """Repositories of one ``Everything`` (or edition) directory.

    ``tree`` is the release layout (``<arch>/os``, ``<arch>/debug/tree``); without it the
    repodata sits in the arch directory and debug in ``<arch>/debug``, as in updates and EPEL.
    Updates carry every other package at a newer release, testing the others.
    """
    release = {"release": "1", "updates": "2", "testing": "3"}[stage] + "." + dist
    if stage != "release":
        catalog = catalog[::2] if stage == "updates" else catalog[1::2]
    binary = catalog + (_KERNEL_PACKAGES if kernel else ())
    repos = [
        _Repo(
            f"{base}/{arch}/os" if tree else f"{base}/{arch}",
            tuple(
                _Package(n, v, release, arch if per_arch else "noarch") for n, v, per_arch in binary
            ),
        )
        for arch in arches
    ]
    for arch in debug:
        repos.append(
            _Repo(
                f"{base}/{arch}/debug/tree" if tree else f"{base}/{arch}/debug",
                tuple(_Package(f"{n}-debuginfo", v, release, arch) for n, v, a in catalog if a),
            )
        )
    if source:
        srpms = tuple(_Package(n, v, release, "src") for n, v, _ in catalog)
        repos.append(_Repo(f"{base}/source/tree", srpms))
    return repos


def _small_repos() -> list[_Repo]:
    """Every repository of the small tree."""
    both, secondary, x86 = _PRIMARY_ARCHES, _SECONDARY_ARCHES, ("x86_64",)
    epel = _EPEL_PACKAGES
    repos: list[_Repo] = []
    for version in ("40", "41"):
        base = f"{_FEDORA}/releases/{version}/Everything"
        repos += _everything(base, both, f"fc{version}", debug=both, source=True, kernel=True)
    # An edition tree with its own repodata, which MirrorManager must not publish as a repo.
    repos += _everything(f"{_FEDORA}/releases/41/Server", x86, "fc41", kernel=True)
    base = f"{_FEDORA}/updates/41/Everything"
    repos += _everything(base, both, "fc41", stage="updates", tree=False, debug=both, source=True)
    base = f"{_FEDORA}/updates/testing/41/Everything"
    repos += _everything(base, both, "fc41", stage="testing", tree=False, debug=both, source=True)
    base = f"{_FEDORA}/development/rawhide/Everything"
    repos += _everything(base, both, "fc43", debug=both, source=True, kernel=True)
    repos += _everything(f"{_FEDORA}/development/42/Everything", x86, "fc42", kernel=True)

    repos += _everything(f"{_SECONDARY}/releases/41/Everything", secondary, "fc41")
    base = f"{_SECONDARY}/updates/41/Everything"
    repos += _everything(base, secondary, "fc41", stage="updates", tree=False)

    base = f"{_EPEL}/9/Everything"
    repos += _everything(base, both, "el9", tree=False, debug=x86, source=True, catalog=epel)
    base = f"{_EPEL}/testing/9/Everything"
    repos += _everything(base, x86, "el9", stage="testing", tree=False, catalog=epel)
    repos += _everything(f"{_EPEL}/10.1/Everything", x86, "el10_1", tree=False, catalog=epel)

    base = f"{_ARCHIVE}/fedora/linux/releases/38/Everything"
    repos += _everything(base, x86, "fc38", kernel=True)
    base = f"{_ARCHIVE}/fedora/linux/updates/38/Everything"
    repos += _everything(base, x86, "fc38", stage="updates", tree=False)
    # EPEL 7 predates the Everything directory: repodata straight in epel/7/<arch>.
    repos += _everything(f"{_ARCHIVE}/epel/7", x86, "el7", tree=False, catalog=epel)
    return repos


def _write_small_extras(writer: _Writer) -> None:
    """The files outside repositories: installer ISOs with their CHECKSUM, and pub/alt."""
    checksum_lines = []
    for kind, blocks in (("dvd", 4), ("netinst", 2)):
        name = f"Fedora-Server-{kind}-x86_64-41-1.4.iso"
        image = b"".join(
            f"{name} demo image, block {block}\n".encode().ljust(512, b"\0")
            for block in range(blocks)
        )
        writer.write(f"{_SERVER_ISO_DIR}/{name}", image)
        # Fedora's real CHECKSUM files are also PGP clearsigned; the demo has no key to sign with.
        checksum_lines.append(f"# {name}: {len(image)} bytes")
        checksum_lines.append(f"SHA256 ({name}) = {hashlib.sha256(image).hexdigest()}")
    checksum = "\n".join(checksum_lines) + "\n"
    writer.write(f"{_SERVER_ISO_DIR}/Fedora-Server-41-1.4-x86_64-CHECKSUM", checksum.encode())

    alt = "pub/alt"
    writer.write(f"{alt}/README", b"Fedora alternative and unofficial content (demo tree).\n")
    iot = f"{alt}/iot/41/IoT/x86_64/images"
    writer.write(f"{iot}/Fedora-IoT-raw-41-20241027.0.x86_64.raw.xz", b"\xfd7zXZ\0demo\n")
    writer.write(f"{alt}/unofficial/releases/41/README", b"Unofficial builds (demo tree).\n")


# --- files, repodata and mtimes ----------------------------------------------------------------

_Listed = tuple[_Package, str, int]  # package, sha256 of the rpm file, its size
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_TOUCH_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


class _Writer:
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

    def repo(self, repo: _Repo, timestamp: int) -> None:
        listed = []
        for package in repo.packages:
            content = _rpm_bytes(package)
            self.write(f"{repo.path}/{package.href}", content)
            listed.append(_listed(package, content))
        self.repodata(repo.path, listed, timestamp)

    def repodata(self, rel: str, listed: Sequence[_Listed], timestamp: int) -> None:
        for name, content in _repodata(listed, timestamp):
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


def _atomic_write(path: Path, data: bytes, mtime: int) -> None:
    """Replace ``path`` the way createrepo_c and rsync do: temp file, fsync, rename."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.utime(temp, (mtime, mtime))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _rpm_bytes(package: _Package) -> bytes:
    return _RPM_LEAD + f" mirrormanager demo package {package.filename}\n".encode()


def _listed(package: _Package, content: bytes) -> _Listed:
    return package, hashlib.sha256(content).hexdigest(), len(content)


def _parse_filename(filename: str) -> _Package:
    """``name-version-release.arch.rpm`` back into its parts (no demo version holds a dash)."""
    stem, _, arch = filename.removesuffix(".rpm").rpartition(".")
    name, version, release = stem.rsplit("-", 2)
    return _Package(name, version, release, arch)


def _repodata(listed: Sequence[_Listed], timestamp: int) -> list[tuple[str, bytes]]:
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


def _metadata_xml(kind: str, element: str, namespaces: str, listed: Sequence[_Listed]) -> bytes:
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
