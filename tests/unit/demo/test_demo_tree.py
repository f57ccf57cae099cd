"""The demo master tree: its shape, repodata that checks out, determinism and simulated pushes."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import re
from pathlib import Path

import pytest
from defusedxml import ElementTree

from mirrormanager.demo import tree as demo_tree
from mirrormanager.demo import tree_fedora as demo_tree_fedora
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.demo.writer import EPOCH
from mirrormanager.formats.repomd import parse_repomd
from tests.demo_changes import add_release, publish_update

EXPECTED_REPOSITORIES = [
    "pub/archive/epel/7/x86_64",
    "pub/archive/fedora/linux/releases/38/Everything/x86_64/os",
    "pub/archive/fedora/linux/updates/38/Everything/x86_64",
    "pub/epel/10.1/Everything/x86_64",
    "pub/epel/9/Everything/aarch64",
    "pub/epel/9/Everything/source/tree",
    "pub/epel/9/Everything/x86_64",
    "pub/epel/9/Everything/x86_64/debug",
    "pub/epel/testing/9/Everything/x86_64",
    "pub/fedora-secondary/releases/41/Everything/ppc64le/os",
    "pub/fedora-secondary/releases/41/Everything/s390x/os",
    "pub/fedora-secondary/updates/41/Everything/ppc64le",
    "pub/fedora-secondary/updates/41/Everything/s390x",
    "pub/fedora/linux/development/42/Everything/x86_64/os",
    *[
        f"pub/fedora/linux/{base}/Everything/{leaf}"
        for base in ("development/rawhide", "releases/40", "releases/41")
        for leaf in (
            "aarch64/debug/tree",
            "aarch64/os",
            "source/tree",
            "x86_64/debug/tree",
            "x86_64/os",
        )
    ],
    "pub/fedora/linux/releases/41/Server/x86_64/os",
    *[
        f"pub/fedora/linux/{base}/41/Everything/{leaf}"
        for base in ("updates", "updates/testing")
        for leaf in ("aarch64", "aarch64/debug", "source/tree", "x86_64", "x86_64/debug")
    ],
]
PRIMARY_NS = "{http://linux.duke.edu/metadata/common}"


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo_tree.DemoTreeSummary]:
    root = tmp_path_factory.mktemp("master")
    return root, build_demo_tree(root)


def walk(root: Path) -> tuple[list[Path], list[Path]]:
    directories, files = [], []
    for parent, dirnames, filenames in os.walk(root / "pub"):
        directories += [Path(parent, name) for name in dirnames]
        files += [Path(parent, name) for name in filenames]
    return [*directories, root / "pub"], files


def assert_repository_valid(repo: Path) -> None:
    """Every file repomd.xml lists exists with its checksums and sizes; primary lists the rpms."""
    repomd = parse_repomd((repo / "repodata" / "repomd.xml").read_bytes())
    assert [entry.type for entry in repomd.data] == ["primary", "filelists", "other"]
    assert repomd.revision == str(repomd.timestamp)
    listed: set[str] = set()
    for entry in repomd.data:
        compressed = (repo / entry.href).read_bytes()
        assert entry.href == f"repodata/{entry.checksum}-{entry.type}.xml.gz"
        assert hashlib.sha256(compressed).hexdigest() == entry.checksum
        assert len(compressed) == entry.size
        xml = gzip.decompress(compressed)
        assert hashlib.sha256(xml).hexdigest() == entry.open_checksum
        assert len(xml) == entry.open_size
        document = ElementTree.fromstring(xml)
        if entry.type != "primary":
            continue
        packages = document.findall(f"{PRIMARY_NS}package")
        assert document.get("packages") == str(len(packages))
        for package in packages:
            href = package.find(f"{PRIMARY_NS}location").get("href")
            content = (repo / href).read_bytes()
            checksum = package.find(f"{PRIMARY_NS}checksum").text
            assert hashlib.sha256(content).hexdigest() == checksum
            assert package.find(f"{PRIMARY_NS}size").get("package") == str(len(content))
            listed.add(href)
    on_disk = {path.relative_to(repo).as_posix() for path in repo.glob("Packages/*/*.rpm")}
    assert listed == on_disk
    assert {path.name for path in (repo / "repodata").iterdir()} == {
        "repomd.xml",
        *(entry.href.removeprefix("repodata/") for entry in repomd.data),
    }


def test_small_tree_has_the_expected_repositories(small_tree) -> None:
    root, summary = small_tree
    assert list(summary.repositories) == sorted(EXPECTED_REPOSITORIES)
    found = sorted(
        path.parent.relative_to(root).as_posix() for path in (root / "pub").rglob("repodata")
    )
    assert found == list(summary.repositories)
    assert not any((root / "pub/alt").rglob("repodata"))


def test_summary_counts_what_is_on_disk(small_tree) -> None:
    root, summary = small_tree
    directories, files = walk(root)
    assert summary.directories == len(directories)
    assert summary.files == len(files)
    assert summary.bytes == sum(path.stat().st_size for path in files)


def test_every_repomd_matches_the_files_it_lists(small_tree) -> None:
    root, summary = small_tree
    for relpath in summary.repositories:
        assert_repository_valid(root / relpath)


def test_layouts_and_package_directories(small_tree) -> None:
    root, _ = small_tree
    os_tree = root / "pub/fedora/linux/releases/41/Everything/x86_64/os"
    assert len(list((os_tree / "Packages/k").glob("*.rpm"))) > 10
    assert (os_tree / "Packages/b/bash-5.2.32-1.fc41.x86_64.rpm").is_file()
    assert (os_tree / "Packages/d/dnf-4.21.1-1.fc41.noarch.rpm").is_file()
    updates = root / "pub/fedora/linux/updates/41/Everything/x86_64"
    assert (updates / "Packages/b/bash-5.2.32-2.fc41.x86_64.rpm").is_file()
    source = root / "pub/fedora/linux/releases/41/Everything/source/tree"
    assert (source / "Packages/b/bash-5.2.32-1.fc41.src.rpm").is_file()
    debug = root / "pub/epel/9/Everything/x86_64/debug"
    assert (debug / "Packages/h/htop-debuginfo-3.3.0-1.el9.x86_64.rpm").is_file()
    assert len(list((root / "pub/alt").rglob("*"))) > 3
    for relpath in demo_tree.CATEGORIES.values():
        assert (root / relpath).is_dir()


def test_server_checksum_file_matches_the_isos(small_tree) -> None:
    root, _ = small_tree
    iso_dir = root / "pub/fedora/linux/releases/41/Server/x86_64/iso"
    lines = (iso_dir / "Fedora-Server-41-1.4-x86_64-CHECKSUM").read_text().splitlines()
    sums = dict(
        match.groups()
        for line in lines
        if (match := re.fullmatch(r"SHA256 \((\S+)\) = ([0-9a-f]{64})", line))
    )
    assert "Fedora-Server-dvd-x86_64-41-1.4.iso" in sums
    assert sorted(sums) == sorted(path.name for path in iso_dir.glob("*.iso"))
    for name, expected in sums.items():
        assert hashlib.sha256((iso_dir / name).read_bytes()).hexdigest() == expected
    assert all(line.startswith(("#", "SHA256 (")) for line in lines)


def test_builds_are_byte_and_mtime_identical(small_tree, tmp_path: Path) -> None:
    first_root, first = small_tree
    second = build_demo_tree(tmp_path)
    assert second == first

    def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
        directories, files = walk(root)
        state = {
            p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in files
        }
        state |= {p.relative_to(root).as_posix(): (b"", p.stat().st_mtime_ns) for p in directories}
        return state

    assert snapshot(tmp_path) == snapshot(first_root)
    assert {mtime for _, mtime in snapshot(tmp_path).values()} == {EPOCH * 10**9}


def test_refuses_to_build_over_an_existing_tree(small_tree) -> None:
    root, _ = small_tree
    with pytest.raises(FileExistsError):
        build_demo_tree(root)


def test_publish_update_rewrites_one_repository(tmp_path: Path) -> None:
    build_demo_tree(tmp_path)
    relpath = "pub/fedora/linux/updates/41/Everything/x86_64"
    repo = tmp_path / relpath
    repomd_path = repo / "repodata/repomd.xml"
    before = repomd_path.read_bytes()
    old_files = set((repo / "repodata").iterdir())
    other = tmp_path / "pub/fedora/linux/updates/41/Everything/aarch64/repodata/repomd.xml"
    other_before = other.read_bytes()

    checksum = publish_update(tmp_path, relpath)

    after = repomd_path.read_bytes()
    assert checksum == hashlib.sha256(after).hexdigest() != hashlib.sha256(before).hexdigest()
    parsed = parse_repomd(after)
    assert parsed.timestamp == EPOCH + 3600
    assert repomd_path.stat().st_mtime == EPOCH + 3600
    assert os.stat(repo / "repodata").st_mtime == EPOCH + 3600
    assert old_files - set((repo / "repodata").iterdir()) == {
        path for path in old_files if path.name != "repomd.xml"
    }
    assert list((repo / "Packages/m").glob("mirrormanager-demo-push-*.noarch.rpm"))
    assert not list((repo / "repodata").glob(".*"))  # no temporary files left behind
    assert_repository_valid(repo)
    assert other.read_bytes() == other_before

    second = publish_update(tmp_path, relpath)
    assert second != checksum
    assert parse_repomd(repomd_path.read_bytes()).timestamp == EPOCH + 7200
    assert_repository_valid(repo)
    with pytest.raises(ValueError, match="not after"):
        publish_update(tmp_path, relpath, timestamp=EPOCH)


def test_publish_update_into_a_source_repository(tmp_path: Path) -> None:
    build_demo_tree(tmp_path)
    relpath = "pub/fedora/linux/updates/41/Everything/source/tree"
    publish_update(tmp_path, relpath, timestamp=EPOCH + 60)
    repo = tmp_path / relpath
    assert list((repo / "Packages/m").glob("mirrormanager-demo-push-*.src.rpm"))
    assert parse_repomd((repo / "repodata/repomd.xml").read_bytes()).revision == str(EPOCH + 60)
    assert_repository_valid(repo)


def test_add_release_creates_the_everything_trees(tmp_path: Path) -> None:
    build_demo_tree(tmp_path)
    created = add_release(tmp_path, "42", timestamp=EPOCH + 100)
    assert created == (
        "pub/fedora/linux/releases/42/Everything/x86_64/os",
        "pub/fedora/linux/releases/42/Everything/aarch64/os",
    )
    for relpath in created:
        assert_repository_valid(tmp_path / relpath)
        arch = relpath.split("/")[-2]
        assert (tmp_path / relpath / f"Packages/b/bash-5.2.32-1.fc42.{arch}.rpm").is_file()
    assert os.stat(tmp_path / "pub/fedora/linux/releases").st_mtime == EPOCH + 100
    assert os.stat(tmp_path / "pub/fedora/linux/releases/42").st_mtime == EPOCH + 100
    assert os.stat(tmp_path / "pub/fedora/linux/releases/41").st_mtime == EPOCH
    with pytest.raises(FileExistsError):
        add_release(tmp_path, "42")
    with pytest.raises(ValueError):
        add_release(tmp_path, "../etc")


def test_fedora_scale_smoke_with_a_tiny_shape(tmp_path: Path) -> None:
    tiny = dataclasses.replace(
        demo_tree_fedora.FEDORA_SHAPE,
        archive=range(27, 29),
        current=("39",),
        stage=range(41, 42),
        composes=("RC-1.1",),
        packages=60,
        listed=5,
    )
    calls: list[tuple[int, int]] = []
    summary = demo_tree._build(tmp_path, tiny, lambda done, total: calls.append((done, total)))

    directories, files = walk(tmp_path)
    assert (summary.directories, summary.files) == (len(directories), len(files))
    assert calls[-1] == (summary.files, summary.files)
    assert all(total == summary.files for _, total in calls)
    assert set(EXPECTED_REPOSITORIES) < set(summary.repositories)
    for relpath in (
        "pub/archive/fedora/linux/releases/28/Modular/x86_64/os",
        "pub/archive/fedora/linux/updates/27/i386",
        "pub/archive/fedora/linux/updates/27/SRPMS",
        "pub/alt/stage/41_RC-1.1/Everything/s390x/os",
        "pub/archive/epel/6/x86_64/debug",
    ):
        assert relpath in summary.repositories
    repo = tmp_path / "pub/fedora/linux/releases/39/Everything/x86_64/os"
    assert len(parse_repomd((repo / "repodata/repomd.xml").read_bytes()).data) == 3
    assert len(list(repo.glob("Packages/*/*.rpm"))) == 60
    assert (tmp_path / "pub/fedora/linux/releases/41/Workstation/x86_64/iso").is_dir()
    assert os.stat(tmp_path / "pub/alt/stage").st_mtime == EPOCH
