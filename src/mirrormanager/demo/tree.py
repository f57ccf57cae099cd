"""The demo master tree: a copy of the shape of Fedora's ``/srv/pub``, built on demand.

Tests, the README's demo command and the benchmarks all scan, crawl and serve this one tree,
so they agree on what "a Fedora-like master" means: the five categories, releases next to
updates and updates/testing, edition trees MirrorManager must ignore, old archive layouts,
and repodata whose repomd.xml checksums match the files exactly.

``scale="small"`` writes a few hundred files with real content in well under a second.
``scale="fedora"`` adds over a million zero-byte package files in over 100,000 directories
to measure the scanner at production size. Contents and mtimes are fixed, so two builds are
byte-identical. What to write lives here and in :mod:`mirrormanager.demo.tree_fedora`; how
to write it (files, repodata, mtimes) in :mod:`mirrormanager.demo.writer`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from mirrormanager.demo.tree_fedora import FEDORA_SHAPE, Shape, write_bulk
from mirrormanager.demo.writer import (
    ARCHIVE,
    EPEL,
    EPOCH,
    FEDORA,
    PRIMARY_ARCHES,
    SECONDARY,
    SECONDARY_ARCHES,
    Package,
    ProgressCallback,
    Repo,
    Writer,
)

# Category name -> top directory below the master prefix, as MirrorManager configures them.
CATEGORIES: Final = {
    "Fedora Linux": "pub/fedora/linux",
    "Fedora Secondary Arches": "pub/fedora-secondary",
    "Fedora EPEL": "pub/epel",
    "Fedora Archive": "pub/archive",
    "Fedora Other": "pub/alt",
}

_SERVER_ISO_DIR = f"{FEDORA}/releases/41/Server/x86_64/iso"

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
        return _build(root, FEDORA_SHAPE, progress)
    return _build(root, None, progress)


def _build(root: Path, shape: Shape | None, progress: ProgressCallback | None) -> DemoTreeSummary:
    if Path(root, "pub").exists():
        raise FileExistsError(f"{Path(root, 'pub')} already exists; build into an empty root")
    Path(root).mkdir(parents=True, exist_ok=True)
    writer = Writer(root)
    for repo in _small_repos():
        writer.repo(repo, EPOCH)
    _write_small_extras(writer)
    if shape is not None:
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


def everything(
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
) -> list[Repo]:
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
        Repo(
            f"{base}/{arch}/os" if tree else f"{base}/{arch}",
            tuple(
                Package(n, v, release, arch if per_arch else "noarch") for n, v, per_arch in binary
            ),
        )
        for arch in arches
    ]
    for arch in debug:
        repos.append(
            Repo(
                f"{base}/{arch}/debug/tree" if tree else f"{base}/{arch}/debug",
                tuple(Package(f"{n}-debuginfo", v, release, arch) for n, v, a in catalog if a),
            )
        )
    if source:
        srpms = tuple(Package(n, v, release, "src") for n, v, _ in catalog)
        repos.append(Repo(f"{base}/source/tree", srpms))
    return repos


def _small_repos() -> list[Repo]:
    """Every repository of the small tree."""
    both, secondary, x86 = PRIMARY_ARCHES, SECONDARY_ARCHES, ("x86_64",)
    epel = _EPEL_PACKAGES
    repos: list[Repo] = []
    for version in ("40", "41"):
        base = f"{FEDORA}/releases/{version}/Everything"
        repos += everything(base, both, f"fc{version}", debug=both, source=True, kernel=True)
    # An edition tree with its own repodata, which MirrorManager must not publish as a repo.
    repos += everything(f"{FEDORA}/releases/41/Server", x86, "fc41", kernel=True)
    base = f"{FEDORA}/updates/41/Everything"
    repos += everything(base, both, "fc41", stage="updates", tree=False, debug=both, source=True)
    base = f"{FEDORA}/updates/testing/41/Everything"
    repos += everything(base, both, "fc41", stage="testing", tree=False, debug=both, source=True)
    base = f"{FEDORA}/development/rawhide/Everything"
    repos += everything(base, both, "fc43", debug=both, source=True, kernel=True)
    repos += everything(f"{FEDORA}/development/42/Everything", x86, "fc42", kernel=True)

    repos += everything(f"{SECONDARY}/releases/41/Everything", secondary, "fc41")
    base = f"{SECONDARY}/updates/41/Everything"
    repos += everything(base, secondary, "fc41", stage="updates", tree=False)

    base = f"{EPEL}/9/Everything"
    repos += everything(base, both, "el9", tree=False, debug=x86, source=True, catalog=epel)
    base = f"{EPEL}/testing/9/Everything"
    repos += everything(base, x86, "el9", stage="testing", tree=False, catalog=epel)
    repos += everything(f"{EPEL}/10.1/Everything", x86, "el10_1", tree=False, catalog=epel)

    base = f"{ARCHIVE}/fedora/linux/releases/38/Everything"
    repos += everything(base, x86, "fc38", kernel=True)
    base = f"{ARCHIVE}/fedora/linux/updates/38/Everything"
    repos += everything(base, x86, "fc38", stage="updates", tree=False)
    # EPEL 7 predates the Everything directory: repodata straight in epel/7/<arch>.
    repos += everything(f"{ARCHIVE}/epel/7", x86, "el7", tree=False, catalog=epel)
    return repos


def _write_small_extras(writer: Writer) -> None:
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
