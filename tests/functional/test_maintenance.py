"""The SOP's maintenance commands against a scanned demo tree."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Arch,
    Category,
    Directory,
    FileDetail,
    HostCategoryDir,
    Repository,
)
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.errors import InputError, NothingToDoError
from mirrormanager.maintenance.expire import emergency_expire
from mirrormanager.maintenance.repoint import move_devel_to_release, move_to_archive
from mirrormanager.scanner.service import scan
from mirrormanager.settings import Settings, load_settings
from tests import factories
from tests.demo_changes import add_release

FEDORA = "pub/fedora/linux"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    master = tmp_path / "master"
    build_demo_tree(master)
    base = load_settings(env={}).settings
    return dataclasses.replace(base, master_prefix=master, data_dir=tmp_path)


def repo_dir(session: Session, prefix: str, arch: str = "x86_64") -> str:
    return session.execute(
        select(Directory.name)
        .join(Repository, Repository.directory_id == Directory.id)
        .join(Arch, Arch.id == Repository.arch_id)
        .where(Repository.prefix == prefix, Arch.name == arch)
    ).scalar_one()


def test_move_devel_to_release(db_session: Session, settings: Settings) -> None:
    add_release(settings.master_prefix, "42")
    scan(db_session, settings)
    assert repo_dir(db_session, "fedora-42") == f"{FEDORA}/development/42/Everything/x86_64/os"
    dry = move_devel_to_release(db_session, version="42", category="Fedora Linux", dry_run=True)
    assert [m.new for m in dry.moves] == [f"{FEDORA}/releases/42/Everything/x86_64/os"]
    assert repo_dir(db_session, "fedora-42") == f"{FEDORA}/development/42/Everything/x86_64/os"
    report = move_devel_to_release(db_session, version="42", category="Fedora Linux")
    assert len(report.moves) == 1
    db_session.expire_all()
    assert repo_dir(db_session, "fedora-42") == f"{FEDORA}/releases/42/Everything/x86_64/os"
    names = set(db_session.scalars(select(Repository.name).where(Repository.prefix == "fedora-42")))
    assert names == {
        f"{FEDORA}/releases/42/Everything/x86_64/os",
        f"{FEDORA}/releases/42/Everything/aarch64/os",
    }
    with pytest.raises(NothingToDoError, match="development/42"):
        move_devel_to_release(db_session, version="42", category="Fedora Linux")


def test_move_devel_to_release_refuses_bad_input(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings)
    with pytest.raises(InputError, match="unknown category 'Fedora Linx'"):
        move_devel_to_release(db_session, version="42", category="Fedora Linx")
    with pytest.raises(InputError, match="unknown version '99'"):
        move_devel_to_release(db_session, version="99", category="Fedora Linux")
    with pytest.raises(NothingToDoError, match="releases/42"):
        move_devel_to_release(db_session, version="42", category="Fedora Linux")


def test_move_to_archive(db_session: Session, settings: Settings) -> None:
    master = settings.master_prefix
    shutil.copytree(
        master / FEDORA / "releases" / "40",
        master / "pub/archive/fedora/linux/releases/40",
        symlinks=True,
    )
    scan(db_session, settings)
    report = move_to_archive(
        db_session, original_category="Fedora Linux", directory_re="/releases/40/"
    )
    assert len(report.moves) == 5
    assert report.missing == []
    db_session.expire_all()
    assert repo_dir(db_session, "fedora-40") == (
        "pub/archive/fedora/linux/releases/40/Everything/x86_64/os"
    )
    moved = db_session.scalars(select(Repository).where(Repository.prefix == "fedora-40")).first()
    assert moved is not None
    archive = db_session.scalars(select(Category).where(Category.name == "Fedora Archive")).one()
    assert moved.category_id == archive.id
    with pytest.raises(NothingToDoError):
        move_to_archive(db_session, original_category="Fedora Linux", directory_re="/releases/40/")


def test_move_to_archive_needs_the_archive_copy(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings)
    with pytest.raises(NothingToDoError, match="no archive copy"):
        move_to_archive(db_session, original_category="Fedora EPEL", directory_re="/9/")
    with pytest.raises(InputError, match="not a regular expression"):
        move_to_archive(db_session, original_category="Fedora EPEL", directory_re="(")
    assert repo_dir(db_session, "epel-9") == "pub/epel/9/Everything/x86_64"


def test_emergency_expire(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings)
    repo = db_session.scalars(
        select(Repository)
        .join(Arch)
        .where(Repository.prefix == "updates-released-f41", Arch.name == "x86_64")
    ).one()
    repodata = db_session.scalars(
        select(Directory).where(Directory.name == f"{repo.name}/repodata")
    ).one()
    factories.FileDetailFactory(directory=repodata, timestamp=1)  # an older alternate
    category = db_session.get(Category, repo.category_id)
    hc = factories.HostCategoryFactory(category=category)
    for directory_id in (repo.directory_id, repodata.id):
        db_session.add(
            HostCategoryDir(
                host_category_id=hc.id, directory_id=directory_id, path="x", up2date=True
            )
        )
    partial = factories.HostCategoryFactory(category=category)  # lacks one file only
    db_session.add(
        HostCategoryDir(
            host_category_id=partial.id,
            directory_id=repo.directory_id,
            path="x",
            up2date=False,
            differing_files=["new.rpm"],
        )
    )
    db_session.flush()
    report = emergency_expire(db_session, prefix="updates-released-f41", arch="x86_64")
    assert report.host_directories == 2 and report.file_details_dropped == 1
    db_session.expire_all()
    assert not any(db_session.scalars(select(HostCategoryDir.up2date)))
    assert set(db_session.scalars(select(HostCategoryDir.differing_files))) == {None}
    assert (
        len(
            db_session.scalars(
                select(FileDetail).where(FileDetail.directory_id == repodata.id)
            ).all()
        )
        == 1
    )
    with pytest.raises(NothingToDoError):
        emergency_expire(db_session, prefix="updates-released-f41", arch="x86_64")
    with pytest.raises(InputError):
        emergency_expire(db_session, prefix="no-such-repo")


def test_sop_command_line(tmp_path: Path, settings: Settings) -> None:
    add_release(settings.master_prefix, "42")
    config = tmp_path / "mm.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\nmaster_prefix = "{settings.master_prefix}"\n'
        'log_format = "json"\n',
        encoding="utf-8",
    )
    bin_dir = Path(sys.executable).parent
    env = {"MM_CONFIG": str(config), "PATH": str(bin_dir)}
    for args in (["db", "upgrade"], ["umdl"]):
        done = subprocess.run(
            [str(bin_dir / "mirrormanager"), *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    result = subprocess.run(
        [str(bin_dir / "mm2_move-devel-to-release"), "--version=42", "--category=Fedora Linux"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "=> pub/fedora/linux/releases/42/Everything/x86_64/os" in result.stdout
    again = subprocess.run(
        [str(bin_dir / "mm2_move-devel-to-release"), "--version=42", "--category=Fedora Linux"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 8 and "no repository" in again.stderr
    archive = subprocess.run(
        [
            str(bin_dir / "mm2_move-to-archive"),
            "--originalCategory=Fedora EPEL",
            "--directoryRe=/4/",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert archive.returncode == 8
    assert "no repository of category 'Fedora EPEL' matches '/4/'" in archive.stderr
