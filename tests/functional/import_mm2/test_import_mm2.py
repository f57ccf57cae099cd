"""`import-mm2` against a MirrorManager2-schema database built by the test."""

from __future__ import annotations

import datetime as dt
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.checkin.passwords import is_hashed, verify_site_password
from mirrormanager.cli.import_mm2 import import_mm2_command
from mirrormanager.db import models as m
from mirrormanager.db.base import Base
from mirrormanager.errors import InputError
from mirrormanager.maintenance.import_mm2 import import_mm2
from tests import factories
from tests.functional.import_mm2.mm2_schema import OS_DIR, build_mm2_database, execute

TABLES = [t for t in Base.metadata.sorted_tables if t.name not in ("job_run", "audit_log")]


@pytest.fixture
def mm2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = build_mm2_database(tmp_path / "mm2.sqlite")

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the import must never unpickle")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    return url


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    session.expire_all()
    return {t.name: sorted(map(tuple, session.execute(select(t)).all()), key=repr) for t in TABLES}


def test_import_copies_the_network(db_session: Session, mm2: str) -> None:
    report = import_mm2(db_session, mm2)

    site = db_session.get(m.Site, 1)
    assert site is not None and site.name == "Example University"
    assert site.password is not None and is_hashed(site.password)
    assert verify_site_password(site.password, "s3cret")
    corp = db_session.get(m.Site, 2)
    assert corp is not None and corp.private and verify_site_password(corp.password, "hunter2")
    renamed = db_session.get(m.Site, 3)
    assert renamed is not None and renamed.name == "Example University [mm2 site 3]"
    assert renamed.password is None
    assert report.tables["site"].notes == {"check-in passwords hashed": 2}

    host = db_session.get(m.Host, 1)
    assert host is not None
    assert (host.name, host.site_id, host.country, host.bandwidth_int) == (
        "mirror.example.edu",
        1,
        "US",
        1000,
    )
    assert host.last_checked_in is not None
    assert host.last_checked_in.replace(tzinfo=None) == dt.datetime(2026, 11, 1, 12)
    assert (host.latitude, host.last_crawl_duration) == (42.36, 420)
    corp_host = db_session.get(m.Host, 2)
    assert corp_host is not None
    assert (corp_host.private, corp_host.asn, corp_host.bandwidth_int) == (True, 64500, 100)
    disabled = db_session.get(m.Host, 4)
    assert disabled is not None and not disabled.user_active and disabled.crawl_failures == 4
    assert db_session.get(m.Host, 3) is None  # no site in MM2
    assert report.tables["host"].notes == {
        "pickled host.config not imported": 1,
        "pickled host.last_crawls not imported": 1,
    }
    assert report.tables["host"].skipped == 1

    urls = db_session.scalars(select(m.HostCategoryUrl.url).order_by(m.HostCategoryUrl.id)).all()
    assert len(urls) == 4
    hcds = db_session.execute(
        select(
            m.HostCategoryDir.host_category_id, m.HostCategoryDir.path, m.HostCategoryDir.up2date
        ).order_by(m.HostCategoryDir.id)
    ).all()
    # The crawler's and report_mirror's rows merged; up to date as either says.
    assert [tuple(r) for r in hcds] == [
        (1, "releases/42/Everything/x86_64/os", True),
        (1, "releases/42/Everything/x86_64/os/repodata", True),
        (3, "", True),
    ]

    os_dir = db_session.scalar(select(m.Directory).where(m.Directory.name == OS_DIR))
    assert os_dir is not None and os_dir.id == 3
    assert os_dir.files == [
        {"name": ".treeinfo", "size": 1462, "mtime": 1_760_000_000},
        {"name": "media.repo", "size": 85, "mtime": 1_760_000_001},
    ]
    epel = db_session.get(m.Directory, 5)
    assert epel is not None and epel.files == []  # legacy pickle: skipped, not loaded
    assert report.tables["directory"].notes == {"pickled or unreadable files not imported": 1}
    unreadable = db_session.get(m.Directory, 6)
    assert unreadable is not None and not unreadable.readable and unreadable.ctime == 0

    epel_cat = db_session.scalar(select(m.Category).where(m.Category.name == "Fedora EPEL"))
    assert epel_cat is not None and epel_cat.topdir_id == 5 and epel_cat.admin_only is False
    repo = db_session.scalar(select(m.Repository).where(m.Repository.prefix == "fedora-42"))
    assert repo is not None and (repo.directory_id, repo.version_id, repo.arch_id) == (3, 1, 1)
    details = db_session.scalars(select(m.FileDetail).order_by(m.FileDetail.timestamp)).all()
    assert [(d.size, d.sha256) for d in details] == [(5100, "a" * 64), (5230, "c" * 64)]
    assert report.tables["file_detail"].skipped == 1
    assert report.tables["version"].skipped == 1

    redirect = db_session.scalar(select(m.RepositoryRedirect))
    assert redirect is not None and (redirect.from_repo, redirect.to_repo) == (
        "fedora-rawhide-41",
        "rawhide",
    )
    ccr = db_session.scalar(select(m.CountryContinentRedirect))
    assert ccr is not None and (ccr.country, ccr.continent) == ("IL", "EU")
    assert db_session.scalars(select(m.EmbargoedCountry.country)).all() == ["KP"]
    assert db_session.scalars(select(m.NetblockCountry.country)).all() == ["NL"]
    assert db_session.execute(select(m.HostNetblock.host_id, m.HostNetblock.netblock)).all() == [
        (2, "192.0.2.0/24")
    ]
    assert db_session.execute(select(m.HostPeerAsn.host_id, m.HostPeerAsn.asn)).all() == [
        (2, 64501)
    ]
    assert db_session.scalars(select(m.HostCountryAllowed.country)).all() == ["CA"]
    assert db_session.scalars(select(m.HostAclIp.ip)).all() == ["198.51.100.7"]
    assert db_session.scalars(select(m.HostLocation.host_id)).all() == [1]
    assert db_session.scalars(select(m.DirectoryExclusiveHost.host_id)).all() == [2]

    users = {u.username: u for u in db_session.scalars(select(m.User))}
    assert set(users) == {"alice", "bob"}  # bob: an admin MM2 knew only by name (FAS)
    assert all(u.password_hash is None for u in users.values())  # MM2's cannot be carried
    assert users["alice"].email == "alice@example.edu"
    admins = db_session.execute(select(m.SiteAdmin.site_id, m.SiteAdmin.user_id)).all()
    assert sorted(admins) == [(1, users["alice"].id), (2, users["bob"].id)]
    group = db_session.scalar(select(m.Group))
    assert group is not None and group.name == "sysadmin"
    assert db_session.get(m.UserGroup, (users["alice"].id, group.id)) is not None
    assert report.not_imported == {"site_to_site": 1}
    assert not report.dry_run and report.changes > 0


def test_second_run_changes_nothing(db_session: Session, mm2: str) -> None:
    import_mm2(db_session, mm2)
    before = dump(db_session)
    again = import_mm2(db_session, mm2)
    assert again.changes == 0
    assert all(t.inserted == t.updated == 0 for t in again.tables.values())
    assert dump(db_session) == before


def test_second_run_applies_what_changed_in_mm2(db_session: Session, mm2: str) -> None:
    import_mm2(db_session, mm2)
    execute(mm2, "UPDATE host SET bandwidth_int = 10000 WHERE id = 1")
    execute(mm2, "UPDATE site SET password = 'n3w' WHERE id = 1")
    execute(mm2, "INSERT INTO embargoed_country (id, country_code) VALUES (2, 'SY')")
    report = import_mm2(db_session, mm2)
    assert report.changes == 3
    assert report.tables["host"].updated == 1
    assert report.tables["embargoed_country"].inserted == 1
    db_session.expire_all()
    site = db_session.get(m.Site, 1)
    assert site is not None and verify_site_password(site.password, "n3w")


def test_ids_taken_here_are_mapped(db_session: Session, mm2: str) -> None:
    mine = m.Site(id=1, name="Already Here")
    db_session.add(mine)
    db_session.flush()
    import_mm2(db_session, mm2)
    imported = db_session.scalar(select(m.Site).where(m.Site.name == "Example University"))
    assert imported is not None and imported.id == 4  # above MM2's ids: none displaced
    assert db_session.scalars(select(m.Site.id).order_by(m.Site.id)).all() == [1, 2, 3, 4]
    host = db_session.scalar(select(m.Host).where(m.Host.name == "mirror.example.edu"))
    assert host is not None and host.site_id == imported.id
    assert import_mm2(db_session, mm2).changes == 0
    fresh = m.Site(name="Created Afterwards")  # PostgreSQL: the id sequence moved past them
    db_session.add(fresh)
    db_session.flush()
    assert fresh.id == 5


def test_dry_run_rolls_back(db_session: Session, mm2: str) -> None:
    report = import_mm2(db_session, mm2, dry_run=True)
    assert report.dry_run and report.tables["site"].inserted == 3
    assert db_session.scalars(select(m.Site)).all() == []
    assert db_session.scalars(select(m.Directory)).all() == []


def test_refuses_a_database_that_is_not_mm2(db_session: Session, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).execute("CREATE TABLE unrelated (id INTEGER)").connection.close()
    with pytest.raises(InputError, match="not a MirrorManager2 database"):
        import_mm2(db_session, f"sqlite:///{empty}")


def test_command_prints_the_report(file_db: str, mm2: str) -> None:
    runner = CliRunner()
    env = {"MM_DATABASE_URL": file_db}
    dry = runner.invoke(import_mm2_command, ["--from", mm2, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "(dry run: rolled back)" in dry.output
    first = runner.invoke(import_mm2_command, ["--from", mm2], env=env)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert any(line.split()[:3] == ["site", "3", "0"] for line in lines), first.output
    assert "1 pickled host.config not imported" in first.output
    assert "users must reset" in first.output
    assert "not imported: MM2 table site_to_site (1 rows)" in first.output
    second = runner.invoke(import_mm2_command, ["--from", mm2], env=env)
    assert second.exit_code == 0, second.output
    assert "changed 0 rows" in second.output


def test_a_prefix_already_served_here_is_not_taken_over(db_session: Session, mm2: str) -> None:
    factories.RepositoryFactory(name="pub/fedora/linux/elsewhere", prefix="fedora-42")
    report = import_mm2(db_session, mm2)
    assert report.tables["repository"].skipped == 1
    assert any("'fedora-42' is already served here" in w for w in report.warnings)
    assert import_mm2(db_session, mm2).changes == 0


def test_a_missing_source_file_is_not_created(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no MirrorManager2 database"):
        import_mm2(db_session, f"sqlite:///{tmp_path / 'typo.sqlite'}")
    assert not (tmp_path / "typo.sqlite").exists()
