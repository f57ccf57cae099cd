"""Ingesting access logs into AccessStat on a real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import AccessStat, IngestedLog, PropagationStat
from mirrormanager.stats.ingest import expire, ingest
from tests import factories

FIXTURE = Path(__file__).parent / "access.log"
NOV27 = dt.date(2026, 11, 27)


def _table(session: Session) -> dict[tuple[str, str, str, str], tuple[int, str | None, str | None]]:
    rows = session.scalars(select(AccessStat)).all()
    return {
        (r.date.isoformat(), r.repo, r.arch, r.country): (r.requests, r.product, r.version)
        for r in rows
    }


def test_golden_rows(db_session: Session) -> None:
    report = ingest(db_session, [FIXTURE], workers=1)
    assert report.ok
    [file] = report.files
    assert (file.status, file.lines, file.requests, file.malformed, file.rows) == (
        "ingested",
        12,
        8,
        4,
        6,
    )
    assert [n for n, _ in file.examples] == [6, 9, 10, 11]
    assert _table(db_session) == {
        ("2026-11-26", "fedora-41", "x86_64", "DE"): (1, "Fedora", "41"),
        ("2026-11-27", "fedora-41", "x86_64", "DE"): (2, "Fedora", "41"),
        ("2026-11-27", "updates-released-f41", "aarch64", "US"): (1, "Fedora", "41"),
        ("2026-11-27", "epel-9", "x86_64", ""): (1, "EPEL", "9"),
        ("2026-11-27", "rawhide", "x86_64", "FR"): (2, "Fedora", "rawhide"),
        ("2026-11-27", "epel-9", "x86_64", "JP"): (1, "EPEL", "9"),
    }
    logged = db_session.scalars(select(IngestedLog)).one()
    assert (logged.lines, logged.malformed, logged.path) == (12, 4, str(FIXTURE))


def test_same_file_twice_counts_once_even_renamed_and_compressed(
    db_session: Session, tmp_path: Path
) -> None:
    rotated = tmp_path / "mirrorlist-access.log.1"
    shutil.copy(FIXTURE, rotated)
    compressed = tmp_path / "mirrorlist-access.log.2.gz"
    compressed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    first = ingest(db_session, [rotated], workers=1)
    again = ingest(db_session, [rotated, compressed], workers=2)
    assert [f.status for f in first.files] == ["ingested"]
    assert [f.status for f in again.files] == ["skipped", "skipped"]
    assert db_session.scalar(select(func.sum(AccessStat.requests))) == 8
    assert db_session.scalar(select(func.count(IngestedLog.id))) == 1


def test_two_files_of_the_same_day_add_up(db_session: Session, tmp_path: Path) -> None:
    other = tmp_path / "other.log.gz"
    line = b"10.9.9.9\t2026-11-27T12:00:00Z\tDE\tfedora-41\tx86_64\tmetalink\n"
    other.write_bytes(gzip.compress(line * 5))
    report = ingest(db_session, [FIXTURE, other], workers=2)
    assert [f.status for f in report.files] == ["ingested", "ingested"]
    row = db_session.scalars(
        select(AccessStat).where(
            AccessStat.date == NOV27, AccessStat.repo == "fedora-41", AccessStat.country == "DE"
        )
    ).one()
    assert row.requests == 7


def test_repository_table_names_product_and_version(db_session: Session, tmp_path: Path) -> None:
    version = factories.VersionFactory(name="10", product=factories.ProductFactory(name="CentOS"))
    factories.RepositoryFactory(prefix="centos-stream-10", version=version)
    log = tmp_path / "a.log"
    log.write_bytes(b"::1\t2026-11-27T12:00:00Z\tDE\tcentos-stream-10\tx86_64\tmetalink\n")
    ingest(db_session, [log], workers=1)
    row = db_session.scalars(select(AccessStat)).one()
    assert (row.product, row.version) == ("CentOS", "10")


def test_unreadable_and_truncated_files_fail_alone(db_session: Session, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.log.gz"
    truncated.write_bytes(gzip.compress(FIXTURE.read_bytes())[:40])
    report = ingest(db_session, [tmp_path / "missing.log", truncated, FIXTURE], workers=1)
    assert [f.status for f in report.files] == ["failed", "failed", "ingested"]
    assert not report.ok
    assert "missing.log" in report.files[0].error


def test_expire_drops_old_detail(db_session: Session) -> None:
    now = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
    repository = factories.RepositoryFactory()
    for days in (1, 399, 401):
        db_session.add(
            AccessStat(
                date=(now - dt.timedelta(days=days)).date(),
                repo="fedora-41",
                arch="x86_64",
                country="DE",
                requests=1,
            )
        )
        db_session.add(
            PropagationStat(repository_id=repository.id, at=now - dt.timedelta(days=days))
        )
    db_session.flush()
    assert expire(db_session, 400, now=now) == (1, 1)
    assert db_session.scalar(select(func.count(AccessStat.id))) == 2
    assert db_session.scalar(select(func.count(PropagationStat.id))) == 2
