"""The Fedora-scale part of the demo tree: over 100,000 directories and 1,000,000 files.

Kept apart from :mod:`mirrormanager.demo.tree` because only benchmarks need it; both write
through :mod:`mirrormanager.demo.writer`, so the small tree and the bulk agree on layout and
repodata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mirrormanager.demo.writer import (
    ARCHIVE,
    EMPTY_SHA256,
    EPEL,
    EPOCH,
    FEDORA,
    PRIMARY_ARCHES,
    SECONDARY,
    SECONDARY_ARCHES,
    Package,
    ProgressCallback,
    Writer,
    parse_filename,
)

# --- the fedora scale --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """How much the "fedora" scale adds to the small tree; a test shrinks it."""

    archive: range  # releases under pub/archive/fedora and pub/archive/fedora-secondary
    current: tuple[str, ...]  # releases besides the small tree's in pub/fedora{,-secondary}
    stage: range  # versions with candidate composes under pub/alt/stage
    composes: tuple[str, ...]
    packages: int  # in one release's Everything/<arch>/os; other repositories scale from it
    listed: int = 20  # packages a bulk repository's primary.xml lists


FEDORA_SHAPE = Shape(
    archive=range(7, 38),
    current=("39",),
    stage=range(24, 42),
    composes=("Beta-1.1", "Beta-1.2", "Beta-1.3", "RC-1.1", "RC-1.2", "RC-1.3", "RC-1.4"),
    packages=1000,
)


@dataclass(frozen=True)
class _BulkRepo:
    path: str
    arch: str  # "src" for source repositories
    dist: str
    count: int
    debug: bool = False


_BulkDir = tuple[str, tuple[str, ...]]  # a directory of empty files that is no repository
_ALL_ARCHES = ("x86_64", "aarch64", "ppc64le", "s390x")
# First letters weighted roughly as in Fedora: python3-*, rust-*, golang-* and lib* dominate.
_LETTER_POOL = (
    "aaabbcccddeeffgggggggghhijjkkllllllmmmnnnooppppppppppppppqrrrrrrrrrrssstttuvwxxyz0123456789"
)
_STEM_NAMES = "golang-github- java- kf6- lib mingw64- nodejs- python3- rust- texlive- xorg-x11-"
_STEMS = {letter: f"{letter}demo" for letter in _LETTER_POOL} | {
    stem[0]: stem for stem in _STEM_NAMES.split()
}
_IMAGES = (
    ("Workstation", "Live", "iso"),
    ("Cloud", "Base-Generic", "images"),
    ("Container", "Base-Generic", "images"),
    ("Kinoite", "ostree", "iso"),
    ("Silverblue", "ostree", "iso"),
    ("Spins", "KDE-Live", "iso"),
    ("Labs", "Python-Classroom-Live", "iso"),
)


def _bulk_plan(shape: Shape) -> tuple[list[_BulkRepo], list[_BulkDir]]:
    """Every repository and image directory of the fedora scale, as sizes only."""
    repos: list[_BulkRepo] = []
    dirs: list[_BulkDir] = []
    size = shape.packages

    def everything(
        base: str,
        arches: Sequence[str],
        dist: str,
        count: int,
        tree: bool = False,
        source: str = "source/tree",
    ) -> None:
        for arch in arches:
            repos.append(
                _BulkRepo(f"{base}/{arch}/os" if tree else f"{base}/{arch}", arch, dist, count)
            )
            debug = f"{base}/{arch}/debug/tree" if tree else f"{base}/{arch}/debug"
            repos.append(_BulkRepo(debug, arch, dist, count * 2 // 5, debug=True))
        repos.append(_BulkRepo(f"{base}/{source}", "src", dist, count // 2))

    def images(base: str, label: str, arches: Sequence[str]) -> None:
        for variant, kind, folder in _IMAGES:
            for arch in arches:
                suffix = "iso" if folder == "iso" else "qcow2"
                names = (
                    f"Fedora-{variant}-{kind}-{arch}-{label}.{suffix}",
                    f"Fedora-{variant}-{label}-{arch}-CHECKSUM",
                )
                dirs.append((f"{base}/{variant}/{arch}/{folder}", names))

    def release(top: str, number: int, arches: Sequence[str], *, editions: bool) -> None:
        dist = f"fc{number}"
        source = "source/tree" if number >= 24 else "source/SRPMS"
        everything(f"{top}/releases/{number}/Everything", arches, dist, size, True, source)
        for stage, count in (("updates", size // 4), ("updates/testing", size // 20)):
            if number >= 28:
                everything(f"{top}/{stage}/{number}/Everything", arches, dist, count)
            else:  # before Fedora 28: updates/N/<arch>, updates/N/SRPMS
                everything(f"{top}/{stage}/{number}", arches, dist, count, source="SRPMS")
            if 28 <= number <= 38:  # the Modular repositories of those releases
                everything(f"{top}/{stage}/{number}/Modular", arches, dist, count // 4)
        if 28 <= number <= 38:
            everything(f"{top}/releases/{number}/Modular", arches, dist, size // 10, True)
        if editions:
            base = f"{top}/releases/{number}"
            repos.append(_BulkRepo(f"{base}/Server/x86_64/os", "x86_64", dist, size // 8))
            images(base, f"{number}-1.1", arches)

    for number in shape.archive:
        primary = ["x86_64"] + ["i386"] * (number <= 30) + ["armhfp"] * (20 <= number <= 36)
        primary += ["aarch64"] * (number >= 27)
        release(f"{ARCHIVE}/fedora/linux", number, primary, editions=number >= 21)
        secondary = ["ppc64"] * (number <= 28) + ["ppc64le"] * (number >= 21)
        if number >= 20:
            release(f"{ARCHIVE}/fedora-secondary", number, [*secondary, "s390x"], editions=False)
    for version in shape.current:
        release(FEDORA, int(version), PRIMARY_ARCHES, editions=True)
        release(SECONDARY, int(version), SECONDARY_ARCHES, editions=False)
    for version in ("40", "41"):  # their repositories are in the small tree, not their images
        images(f"{FEDORA}/releases/{version}", f"{version}-1.4", PRIMARY_ARCHES)

    for epel in ("8", "testing/8", "10.0"):
        dist = "el" + epel.rpartition("/")[2].replace(".", "_")
        everything(f"{EPEL}/{epel}/Everything", _ALL_ARCHES, dist, size // 4)
    for epel in ("4", "5", "6"):  # the pre-Everything layout, like the small tree's epel/7
        arches = ("i386", "x86_64", "ppc64")
        everything(f"{ARCHIVE}/epel/{epel}", arches, f"el{epel}", size // 4, source="SRPMS")

    for number in shape.stage:
        for compose in shape.composes:
            base = f"pub/alt/stage/{number}_{compose}"
            everything(f"{base}/Everything", _ALL_ARCHES, f"fc{number}", size, True)
            for arch in _ALL_ARCHES:
                repos.append(_BulkRepo(f"{base}/Server/{arch}/os", arch, f"fc{number}", size // 8))
            images(base, f"{number}_{compose}", _ALL_ARCHES)
    return repos, dirs


def _bulk_packages(repo: _BulkRepo, listed: int) -> tuple[dict[str, list[str]], list[Package]]:
    """File names per ``Packages/<letter>`` directory, and the first few as packages."""
    by_letter: dict[str, list[str]] = {}
    sample: list[Package] = []
    release = f"1.{repo.dist}"
    suffix = "-debuginfo" if repo.debug else ""
    arch_tail = f"-1.0-{release}.{repo.arch}.rpm"
    noarch_tail = arch_tail if repo.debug or repo.arch == "src" else f"-1.0-{release}.noarch.rpm"
    pool, stems = _LETTER_POOL, _STEMS
    for index in range(repo.count):
        letter = pool[index % len(pool)]
        name = f"{stems[letter]}{index}{suffix}"
        tail = noarch_tail if index % 3 == 0 else arch_tail
        by_letter.setdefault(letter, []).append(name + tail)
        if index < listed:
            sample.append(parse_filename(name + tail))
    return by_letter, sample


def write_bulk(writer: Writer, shape: Shape, progress: ProgressCallback | None) -> None:
    repos, dirs = _bulk_plan(shape)
    done = len(writer.files)
    total = done + sum(repo.count + 4 for repo in repos) + sum(len(names) for _, names in dirs)
    reported = done
    for repo in repos:
        by_letter, sample = _bulk_packages(repo, shape.listed)
        for letter, names in by_letter.items():
            done += writer.touch(f"{repo.path}/Packages/{letter}", names)
        writer.repodata(repo.path, [(package, EMPTY_SHA256, 0) for package in sample], EPOCH)
        done += 4
        if progress is not None and done - reported >= 10_000:
            progress(done, total)
            reported = done
    for path, files in dirs:
        done += writer.touch(path, files)
