"""Scanning from a fullfiletimelist gives the same database as walking the disk."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Directory, FileDetail, Repository
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.scanner.service import ScanOptions, scan
from mirrormanager.scanner.timelist import find_timelist
from mirrormanager.settings import Settings, load_settings
from tests.demo_changes import publish_update
from tests.timelists import write_timelist

FEDORA_ONLY = ScanOptions(categories=["Fedora Linux", "Fedora EPEL"])


def publish_timelists(master: Path) -> None:
    fedora = master / "pub" / "fedora"
    write_timelist(str(fedora / "linux"), str(fedora / "fullfiletimelist-fedora"), prefix="linux/")
    epel = master / "pub" / "epel"
    write_timelist(str(epel), str(epel / "fullfiletimelist-epel"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    master = tmp_path / "master"
    build_demo_tree(master)
    publish_timelists(master)
    base = load_settings(env={}).settings
    return dataclasses.replace(base, master_prefix=master, data_dir=tmp_path)


def snapshot_of(session: Session) -> tuple[dict[str, object], set[str]]:
    dirs = {
        name: (readable, files)
        for name, readable, files in session.execute(
            select(Directory.name, Directory.readable, Directory.files).where(
                Directory.name.like("pub/fedora/%") | Directory.name.like("pub/epel/%")
            )
        )
    }
    repos = set(session.scalars(select(Repository.name)))
    return dirs, repos


def test_finds_the_list_in_the_top_or_its_parent(settings: Settings) -> None:
    master = settings.master_prefix
    fedora = find_timelist(str(master / "pub/fedora/linux"))
    assert fedora is not None and fedora.prefix == "linux/"
    epel = find_timelist(str(master / "pub/epel"))
    assert epel is not None and epel.prefix == ""
    assert find_timelist(str(master / "pub/alt")) is None


def test_timelist_scan_equals_disk_scan(engine: Engine, settings: Settings) -> None:
    results = []
    for use_timelist in (True, False):
        with engine.connect() as connection:
            transaction = connection.begin()
            session = Session(bind=connection, join_transaction_mode="create_savepoint")
            result = scan(
                session, settings, dataclasses.replace(FEDORA_ONLY, use_timelist=use_timelist)
            )
            assert result.ok
            assert {c.source for c in result.categories} == {
                "fullfiletimelist" if use_timelist else "disk"
            }
            results.append(snapshot_of(session))
            session.close()
            transaction.rollback()
    (list_dirs, list_repos), (disk_dirs, disk_repos) = results
    assert list_repos == disk_repos
    assert list_dirs.keys() == disk_dirs.keys()
    assert list_dirs == disk_dirs


def test_rescan_reads_nothing_and_push_is_noticed(db_session: Session, settings: Settings) -> None:
    scan(db_session, settings, FEDORA_ONLY)
    again = scan(db_session, settings, FEDORA_ONLY)
    assert [c.listed for c in again.categories] == [0, 0]
    repo = "pub/fedora/linux/updates/41/Everything/x86_64"
    time.sleep(1.05)  # a new ctime second for the changed directories
    new_sha = publish_update(settings.master_prefix, repo, timestamp=int(time.time()))
    publish_timelists(settings.master_prefix)
    after = scan(db_session, settings, FEDORA_ONLY)
    fedora = after.categories[0]
    assert 0 < fedora.listed < 10
    assert fedora.file_details == 1
    newest = db_session.scalars(
        select(FileDetail.sha256)
        .join(Directory)
        .where(Directory.name == f"{repo}/repodata")
        .order_by(FileDetail.id.desc())
    ).first()
    assert newest == new_sha


def test_stale_or_malformed_list_entries_are_reported(
    db_session: Session, settings: Settings
) -> None:
    listing = settings.master_prefix / "pub/epel/fullfiletimelist-epel"
    text = listing.read_text(encoding="utf-8")
    listing.write_text(
        text.replace("[Files]\n", "[Files]\n1\td\t0\tghost/dir\nnot a line\n"), encoding="utf-8"
    )
    result = scan(db_session, settings, ScanOptions(categories=["Fedora EPEL"]))
    epel = result.categories[0]
    assert epel.ok
    problems = dict(epel.problems)
    assert problems.get("ghost/dir") == "in the fullfiletimelist but not on disk: skipped"
    assert any(m == "malformed line: skipped" for m in problems.values())
    assert (
        db_session.scalars(select(Directory).where(Directory.name == "pub/epel/ghost/dir")).first()
        is None
    )
