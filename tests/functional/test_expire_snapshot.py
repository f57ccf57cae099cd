"""`mm2_emergency-expire-repo` rebuilds and publishes the snapshot after the expiry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mirrormanager.cli.maintenance import emergency_expire_repo_command
from mirrormanager.cli.snapshot import snapshot
from mirrormanager.db.models import HostCategoryDir
from mirrormanager.db.session import make_engine
from mirrormanager.errors import LockHeldError, NothingToDoError
from mirrormanager.formats.snapshot_codec import read_header
from mirrormanager.snapshot.store import folder_lock, load_snapshot
from tests import factories as f


@pytest.fixture
def engine(file_db: str) -> Iterator[Engine]:  # shadows the shared fixture on purpose
    eng = make_engine(file_db)
    yield eng
    eng.dispose()


@pytest.fixture
def network(engine: Engine) -> dict[str, str]:
    """Two repositories, each carried up to date by two mirrors; an alternate repomd.xml."""
    with Session(engine) as session:
        f.bind(session)
        t = f.tree(
            "41/x86_64", "41/x86_64/repodata", "42/x86_64", "42/x86_64/repodata", top="pub/t"
        )
        for _ in range(2):
            f.mirror(t, list(t.dirs))
        for version in ("41", "42"):
            directory = t.dirs[f"{version}/x86_64"]
            f.RepositoryFactory(
                prefix=f"fedora-{version}",
                name=directory.name,
                directory=directory,
                category=t.category,
            )
            repodata = t.dirs[f"{version}/x86_64/repodata"]
            f.FileDetailFactory(directory=repodata, timestamp=1_700_000_000)
            f.FileDetailFactory(directory=repodata, timestamp=1_700_100_000)
        session.commit()
    return {v: f"pub/t/{v}/x86_64" for v in ("41", "42")}


@pytest.fixture
def config(tmp_path: Path, file_db: str) -> Path:
    path = tmp_path / "mm.toml"
    path.write_text(
        f'database_url = "{file_db}"\ndata_dir = "{tmp_path / "data"}"\n'
        f'log_dir = "{tmp_path / "log"}"\nlog_format = "json"\nlog_level = "WARNING"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def target(config: Path, network: dict[str, str], tmp_path: Path) -> Path:
    """The snapshot published before the expiry."""
    assert CliRunner().invoke(snapshot, ["-c", str(config)]).exit_code == 0
    path = tmp_path / "data" / "mirrorlist.snapshot"
    snap = load_snapshot(path)
    for name in network.values():
        assert len(snap.directories[name].hosts) == 2
        assert len(snap.directories[f"{name}/repodata"].hosts) == 2
    return path


def expire(config: Path, *args: str) -> tuple[int, str, str, BaseException | None]:
    result = CliRunner().invoke(
        emergency_expire_repo_command, ["-c", str(config), "--repo", "fedora-41", *args]
    )
    return result.exit_code, result.stdout, result.stderr, result.exception


def test_expiry_publishes_a_snapshot_without_the_stale_mirrors(
    config: Path, network: dict[str, str], target: Path, engine: Engine
) -> None:
    before = read_header(target).serial
    code, out, _err, exc = expire(config, "--arch", "x86_64")
    assert code == 0, exc
    lines = out.splitlines()
    assert lines[0] == (
        "expired 1 repositories: 4 mirror directories marked stale, 1 alternates dropped"
    )
    assert lines[1].startswith(f"snapshot {target} (native): serial {before + 1}, ")
    snap = load_snapshot(target)
    assert snap.serial == before + 1
    expired = network["41"]
    assert snap.directories[expired].hosts == ()
    assert snap.directories[f"{expired}/repodata"].hosts == ()
    assert len(snap.directories[f"{expired}/repodata"].files["repomd.xml"]) == 1
    # The other repository keeps its mirrors.
    assert len(snap.directories[network["42"]].hosts) == 2
    assert read_header(target.parent / "old" / target.name).serial == before
    with Session(engine) as session:
        assert session.scalars(select(HostCategoryDir.up2date)).all().count(False) == 4


def test_no_snapshot_leaves_the_published_file_alone(config: Path, target: Path) -> None:
    before = target.read_bytes()
    code, out, _err, exc = expire(config, "--no-snapshot")
    assert code == 0, exc
    assert out.startswith("expired 1 repositories") and "snapshot" not in out
    assert target.read_bytes() == before


def test_nothing_to_do_builds_no_snapshot(config: Path, target: Path) -> None:
    assert expire(config, "--no-snapshot")[0] == 0
    before = target.read_bytes()
    _code, _out, _err, exc = expire(config)
    assert isinstance(exc, NothingToDoError) and exc.exit_code == 8
    assert target.read_bytes() == before


def test_a_busy_snapshot_folder_says_the_expiry_is_done(config: Path, target: Path) -> None:
    before = target.read_bytes()
    with folder_lock(target):
        _code, out, _err, exc = expire(config)
    assert isinstance(exc, LockHeldError) and exc.exit_code == 4
    assert out.startswith("expired 1 repositories")
    assert "the expiry is done: run `mirrormanager snapshot`" in str(exc)
    assert target.read_bytes() == before
