"""The scanner against a real demo tree and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import (
    Arch,
    Category,
    CategoryDirectory,
    Directory,
    FileDetail,
    JobRun,
    Product,
    Repository,
    Version,
)
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.errors import LockHeldError
from mirrormanager.scanner.service import ScanOptions, scan
from mirrormanager.settings import Settings, load_settings
from tests.demo_changes import add_release, publish_update

FEDORA = "pub/fedora/linux"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    root = tmp_path / "master"
    build_demo_tree(root)
    return root


@pytest.fixture
def settings(master: Path) -> Settings:
    base = load_settings(env={}).settings
    return dataclasses.replace(base, master_prefix=master, data_dir=master.parent)


def repos(session: Session) -> dict[tuple[str | None, str], str]:
    rows = session.execute(
        select(Repository.prefix, Arch.name, Repository.name).join(Arch, Repository.arch)
    )
    return {(prefix, arch): name for prefix, arch, name in rows}


def versions(session: Session, product: str) -> set[str]:
    return set(
        session.scalars(select(Version.name).join(Version.product).where(Product.name == product))
    )


def test_first_scan_builds_directories_repositories_and_versions(
    db_session: Session, settings: Settings
) -> None:
    result = scan(db_session, settings)
    assert result.ok, [c.error for c in result.categories]
    found = repos(db_session)
    expected = {
        ("fedora-41", "x86_64"): f"{FEDORA}/releases/41/Everything/x86_64/os",
        ("fedora-debug-41", "aarch64"): f"{FEDORA}/releases/41/Everything/aarch64/debug/tree",
        ("fedora-source-41", "source"): f"{FEDORA}/releases/41/Everything/source/tree",
        ("updates-released-f41", "x86_64"): f"{FEDORA}/updates/41/Everything/x86_64",
        ("updates-testing-f41", "aarch64"): f"{FEDORA}/updates/testing/41/Everything/aarch64",
        ("rawhide", "x86_64"): f"{FEDORA}/development/rawhide/Everything/x86_64/os",
        ("fedora-42", "x86_64"): f"{FEDORA}/development/42/Everything/x86_64/os",
        ("epel-9", "x86_64"): "pub/epel/9/Everything/x86_64",
        ("testing-epel9", "x86_64"): "pub/epel/testing/9/Everything/x86_64",
    }
    for key, name in expected.items():
        assert found.get(key) == name, key
    # edition trees (Server) never become repositories
    assert not any("/Server/" in name for name in found.values())
    assert {"40", "41", "42", "development"} <= versions(db_session, "Fedora")
    assert {"9", "10.1"} <= versions(db_session, "EPEL")
    # every directory of the tree is in the database, linked to its category
    on_disk = sum(1 for _ in os.walk(settings.master_prefix / FEDORA))
    linked = db_session.scalar(
        select(func.count())
        .select_from(CategoryDirectory)
        .join(Category)
        .where(Category.name == "Fedora Linux")
    )
    assert linked == on_disk
    run = db_session.scalars(select(JobRun).where(JobRun.job == "umdl")).one()
    assert run.status == "ok" and run.finished_at is not None


def test_repomd_file_details_match_the_files(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings)
    repodata = f"{FEDORA}/releases/41/Everything/x86_64/os/repodata"
    detail = db_session.scalars(
        select(FileDetail).join(Directory).where(Directory.name == repodata)
    ).one()
    raw = (settings.master_prefix / repodata / "repomd.xml").read_bytes()
    assert detail.filename == "repomd.xml"
    assert detail.size == len(raw)
    assert detail.sha256 == hashlib.sha256(raw).hexdigest()
    assert detail.sha512 == hashlib.sha512(raw).hexdigest()
    assert detail.md5 == hashlib.md5(raw).hexdigest()
    assert detail.sha1 == hashlib.sha1(raw).hexdigest()
    assert detail.timestamp > 1_000_000_000


def test_checksum_files_give_iso_file_details(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings)
    isos = db_session.scalars(
        select(FileDetail).join(Directory).where(Directory.name.like("%/iso"))
    ).all()
    assert isos, "the demo CHECKSUM file should produce a FileDetail"
    for detail in isos:
        directory = settings.master_prefix / detail.directory.name
        raw = (directory / detail.filename).read_bytes()
        assert detail.sha256 == hashlib.sha256(raw).hexdigest()


def test_rescan_without_change_reads_no_directory(db_session: Session, settings: Settings) -> None:
    time.sleep(1.05)  # directories changed in the scan's own second are re-read next time
    first = scan(db_session, settings)
    second = scan(db_session, settings)
    for before, after in zip(first.categories, second.categories, strict=True):
        assert after.ok
        assert after.directories == before.directories
        assert after.listed == 0
        assert after.added == after.changed == after.vanished == 0
        assert after.repositories == [] and after.file_details == 0


def test_new_release_creates_version_and_repositories(
    db_session: Session, settings: Settings
) -> None:
    shutil.rmtree(settings.master_prefix / FEDORA / "development" / "42")
    scan(db_session, settings)
    assert "42" not in versions(db_session, "Fedora")
    add_release(settings.master_prefix, "42")
    result = scan(db_session, settings, ScanOptions(categories=["Fedora Linux"]))
    fedora = result.categories[0]
    assert fedora.versions == ["42"]
    assert "42" in versions(db_session, "Fedora")
    found = repos(db_session)
    assert found[("fedora-42", "x86_64")] == f"{FEDORA}/releases/42/Everything/x86_64/os"
    assert found[("fedora-42", "aarch64")] == f"{FEDORA}/releases/42/Everything/aarch64/os"


def test_published_update_adds_a_generation_and_keeps_the_old(
    db_session: Session, settings: Settings
) -> None:
    scan(db_session, settings)
    repo = f"{FEDORA}/updates/41/Everything/x86_64"
    before = (settings.master_prefix / repo / "repodata" / "repomd.xml").read_bytes()
    publish_update(settings.master_prefix, repo, timestamp=int(time.time()))
    after = (settings.master_prefix / repo / "repodata" / "repomd.xml").read_bytes()
    assert before != after
    result = scan(db_session, settings, ScanOptions(categories=["Fedora Linux"]))
    assert result.categories[0].file_details == 1
    hashes = db_session.scalars(
        select(FileDetail.sha256)
        .join(Directory)
        .where(Directory.name == f"{repo}/repodata")
        .order_by(FileDetail.id)
    ).all()
    assert hashes == [hashlib.sha256(before).hexdigest(), hashlib.sha256(after).hexdigest()]


def test_vanished_directories_marked_unreadable_then_deleted(
    db_session: Session, settings: Settings
) -> None:
    scan(db_session, settings)
    gone = f"{FEDORA}/updates/testing/41/Everything/aarch64"
    shutil.rmtree(settings.master_prefix / gone)
    only_fedora = ScanOptions(categories=["Fedora Linux"])
    result = scan(db_session, settings, only_fedora)
    assert result.categories[0].vanished > 0
    row = db_session.scalars(select(Directory).where(Directory.name == gone)).one()
    assert row.readable is False
    repo = db_session.scalars(select(Repository).where(Repository.name == gone)).one()
    assert repo.directory_id == row.id
    result = scan(db_session, settings, dataclasses.replace(only_fedora, delete=True))
    assert result.categories[0].deleted >= 1
    db_session.expire_all()
    assert db_session.scalars(select(Directory).where(Directory.name == gone)).first() is None
    assert db_session.get(Repository, repo.id).directory_id is None  # type: ignore[union-attr]


def test_missing_top_directory_skips_only_that_category(
    db_session: Session, settings: Settings
) -> None:
    scan(db_session, settings)
    shutil.rmtree(settings.master_prefix / "pub" / "epel")
    result = scan(db_session, settings)
    by_name = {c.name: c for c in result.categories}
    assert not by_name["Fedora EPEL"].ok
    assert "missing" in (by_name["Fedora EPEL"].error or "")
    assert by_name["Fedora Linux"].ok
    unreadable = db_session.scalar(
        select(func.count())
        .select_from(Directory)
        .where(Directory.name.like("pub/epel/%"), Directory.readable.is_(False))
    )
    assert unreadable == 0
    assert not result.ok


def test_mass_vanishing_is_refused_without_force(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings)
    top = settings.master_prefix / FEDORA
    for child in top.iterdir():
        shutil.rmtree(child)
    result = scan(db_session, settings, ScanOptions(categories=["Fedora Linux"]))
    assert not result.ok
    assert "vanished at once" in (result.categories[0].error or "")
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(Directory)
            .where(Directory.name.like(f"{FEDORA}/%"), Directory.readable.is_(False))
        )
        == 0
    )
    forced = scan(db_session, settings, ScanOptions(categories=["Fedora Linux"], force=True))
    assert forced.ok and forced.categories[0].vanished > 20


def test_malformed_repomd_is_reported_and_scan_goes_on(
    db_session: Session, settings: Settings
) -> None:
    bad = settings.master_prefix / FEDORA / "releases/40/Everything/x86_64/os/repodata/repomd.xml"
    bad.write_bytes(b"<repomd><data type='primary'><timestamp>soon</timestamp></data></repomd>")
    result = scan(db_session, settings)
    fedora = result.categories[0]
    assert fedora.ok
    assert any("repomd.xml" in path for path, _ in fedora.problems)
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(FileDetail)
            .join(Directory)
            .where(Directory.name == f"{FEDORA}/releases/40/Everything/x86_64/os/repodata")
        )
        == 0
    )


def test_a_second_scan_is_refused_while_one_runs(engine: Engine) -> None:
    with (
        job_lock(engine, "umdl-test"),
        pytest.raises(LockHeldError, match="running"),
        job_lock(engine, "umdl-test"),
    ):
        pass
    with job_lock(engine, "umdl-test"):  # released after the first block
        pass
