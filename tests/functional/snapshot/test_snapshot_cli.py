"""`mirrormanager snapshot` through click, on a SQLite file database, and its service."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mirrormanager.cli.snapshot import snapshot
from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import JobRun
from mirrormanager.db.session import make_engine
from mirrormanager.errors import LockHeldError
from mirrormanager.formats import mm2_cache_pb2 as pb
from mirrormanager.formats.snapshot_codec import read_header
from mirrormanager.settings import Settings
from mirrormanager.snapshot.service import build_and_publish
from mirrormanager.snapshot.store import folder_lock, load_snapshot
from tests import factories as f


@pytest.fixture
def engine(file_db: str) -> Iterator[Engine]:  # shadows the shared fixture on purpose
    eng = make_engine(file_db)
    yield eng
    eng.dispose()


@pytest.fixture
def network(engine: Engine) -> dict[str, int]:
    """One category with two directories, two hosts, one repository."""
    with Session(engine) as session:
        f.bind(session)
        t = f.tree("41/x86_64", "41/x86_64/repodata")
        m = f.mirror(t, ["41/x86_64", "41/x86_64/repodata"], country="FR")
        f.mirror(t, ["41/x86_64"], private=True)
        f.RepositoryFactory(prefix="fedora-41", directory=t.dirs["41/x86_64"], category=t.category)
        f.FileDetailFactory(directory=t.dirs["41/x86_64/repodata"])
        session.commit()
        return {"host": m.host.id}


@pytest.fixture
def config(tmp_path: Path, file_db: str) -> Path:
    path = tmp_path / "mm.toml"
    path.write_text(
        f'database_url = "{file_db}"\ndata_dir = "{tmp_path / "data"}"\n'
        f'log_dir = "{tmp_path / "log"}"\nlog_format = "json"\nlog_level = "WARNING"\n',
        encoding="utf-8",
    )
    return path


def test_bare_snapshot_builds_into_the_configured_file(config: Path, network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(snapshot, ["--config", str(config)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "data" / "mirrorlist.snapshot"
    (line,) = result.output.splitlines()
    serial = read_header(target).serial
    assert line.startswith(f"snapshot {target} (native): serial {serial}, 2 hosts, ")
    assert "2 directories, 1 repositories, " in line and line.endswith("s")
    snap = load_snapshot(target)
    assert snap.hosts[network["host"]].country == "FR"
    # The next build counts on from the published one and keeps it in old/.
    again = CliRunner().invoke(snapshot, ["build", "--config", str(config)])
    assert again.exit_code == 0, again.output
    assert read_header(target).serial == serial + 1
    assert read_header(target.parent / "old" / target.name).serial == serial


def test_mm2_protobuf_output(config: Path, network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cache" / "mirrorlist_cache.proto"
    result = CliRunner().invoke(
        snapshot, ["--config", str(config), "--output", str(out), "--format", "mm2-protobuf"]
    )
    assert result.exit_code == 0, result.output
    assert "(mm2-protobuf)" in result.output
    msg = pb.MirrorList()
    msg.ParseFromString(out.read_bytes())
    assert {i.key: i.value for i in msg.HostCountryCache}[network["host"]] == "FR"
    assert [i.key for i in msg.RepoArchToDirectoryName] == ["fedora-41+x86_64"]


def test_show_prints_header_and_counts(config: Path, network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "s.snap"
    assert CliRunner().invoke(snapshot, ["-c", str(config), "-o", str(out)]).exit_code == 0
    result = CliRunner().invoke(snapshot, ["show", str(out)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "format native" in text and "compression zstd" in text
    assert f"sha256 {read_header(out).sha256}" in text
    assert "hosts: 2 (1 private)" in text
    assert "directories: 2 (2 with hosts)" in text
    assert "repositories: 1 (0 disabled, 0 redirects)" in text
    bad = tmp_path / "bad.snap"
    bad.write_bytes(b"MMSNAP\x00\x01 truncated")
    failed = CliRunner().invoke(snapshot, ["show", str(bad)])
    assert failed.exit_code != 0
    assert "truncated" in str(failed.exception)


def test_job_lock_and_folder_lock_refuse_a_second_builder(
    engine: Engine, network, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(Settings(), data_dir=tmp_path / "data")
    target = settings.effective_snapshot_file
    with Session(engine) as session:
        with job_lock(engine, "snapshot"), pytest.raises(LockHeldError, match="snapshot build"):
            build_and_publish(session, settings, engine)
        with folder_lock(target), pytest.raises(LockHeldError, match="publishing into"):
            build_and_publish(session, settings, engine)
        assert not target.exists()
        result = build_and_publish(session, settings, engine, now=1_800_000_000)
        assert result.serial == 1_800_000_000 and target.stat().st_size == result.bytes
        run = session.scalars(select(JobRun).where(JobRun.job == "snapshot")).one()
        assert run.status == "ok" and run.summary["hosts"] == 2
