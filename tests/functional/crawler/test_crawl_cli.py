"""`mirrormanager crawl` through click's CliRunner, against a file database and a real
HTTP mirror on loopback."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mirrormanager.cli.crawl import crawl_command, lock_name, propagation_command
from mirrormanager.crawler.hostlog import read_crawl_log
from mirrormanager.db.models import (
    Category,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    PropagationStat,
    Repository,
    Site,
)
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.errors import ConfigError
from mirrormanager.scanner.service import scan
from mirrormanager.settings import load_settings
from tests.integration.mirror_servers import http_server


@pytest.fixture
def setup(tmp_path: Path, file_db: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    for key in list(os.environ):
        if key.startswith("MM_"):
            monkeypatch.delenv(key)
    master = tmp_path / "master"
    build_demo_tree(master)
    shutil.copytree(master, tmp_path / "mirror", symlinks=True)
    config = tmp_path / "mm.toml"
    config.write_text(
        f'database_url = "{file_db}"\ndata_dir = "{tmp_path}"\nlog_dir = "{tmp_path / "log"}"\n'
        f'master_prefix = "{master}"\nlog_format = "json"\n',
        encoding="utf-8",
    )
    settings = dataclasses.replace(
        load_settings(env={}).settings, master_prefix=master, database_url=file_db
    )
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        assert scan(session, settings).ok
        session.commit()
    engine.dispose()
    return config, tmp_path / "mirror"


def add_mirror(file_db: str, port: int) -> int:
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        site = Site(name="site")
        host = Host(site=site, name="mirror.local", country="DE", max_connections=4)
        category = session.scalars(select(Category).where(Category.name == "Fedora EPEL")).one()
        hc = HostCategory(host=host, category=category)
        url = HostCategoryUrl(host_category=hc, url=f"http://127.0.0.1:{port}/pub/epel")
        session.add_all([site, host, hc, url])
        session.commit()
        host_id = host.id
    engine.dispose()
    return host_id


def test_crawl_command_marks_a_real_mirror_current(setup: tuple[Path, Path], file_db: str) -> None:
    config, mirror = setup
    with http_server(mirror) as port:
        host_id = add_mirror(file_db, port)
        result = CliRunner().invoke(
            crawl_command,
            ["--config", str(config), "--threads", "4", "--timeout-minutes", "1"],
            standalone_mode=False,
        )
    assert result.exception is None, result.output
    assert result.return_value == 0
    assert "1 selected, 1 ok, 0 failed" in result.output
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        current = session.scalar(
            select(func.count()).select_from(HostCategoryDir).where(HostCategoryDir.up2date)
        )
        host = session.get(Host, host_id)
        assert host is not None and host.last_crawled is not None
    engine.dispose()
    assert current is not None and current > 50
    settings = load_settings(config).settings
    assert "finished: ok" in read_crawl_log(settings, host_id)


def test_crawl_command_repodata_only_and_bad_options(
    setup: tuple[Path, Path], file_db: str
) -> None:
    config, mirror = setup
    with http_server(mirror) as port:
        add_mirror(file_db, port)
        result = CliRunner().invoke(
            crawl_command,
            ["--config", str(config), "--repodata-only", "--category", "Fedora EPEL"],
            standalone_mode=False,
        )
    assert result.return_value == 0, result.output
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        paths = session.scalars(select(HostCategoryDir.path)).all()
    engine.dispose()
    assert paths and all(p.endswith("repodata") for p in paths)

    bad = CliRunner().invoke(
        crawl_command, ["--config", str(config), "--shard", "3/2"], standalone_mode=False
    )
    assert isinstance(bad.exception, ConfigError)
    mixed = CliRunner().invoke(
        crawl_command,
        ["--config", str(config), "--shard", "1/2", "--startid", "3"],
        standalone_mode=False,
    )
    assert isinstance(mixed.exception, ConfigError)


def test_lock_names_keep_shards_apart() -> None:
    assert lock_name(None, None, None) == "crawl-all"
    assert lock_name(1, 200, None) == "crawl-ids-1-200"
    assert lock_name(200, None, None) == "crawl-ids-200-end"
    assert lock_name(None, None, (1, 2)) == "crawl-shard-1of2"


def test_propagation_command_records_counts_and_nothing_else(
    setup: tuple[Path, Path], file_db: str
) -> None:
    config, mirror = setup
    with http_server(mirror) as port:
        host_id = add_mirror(file_db, port)
        result = CliRunner().invoke(
            propagation_command,
            ["--config", str(config), "--repo", "epel-9", "--repo", "testing-epel9"],
            standalone_mode=False,
        )
    assert result.exception is None, result.output
    assert "1 hosts asked, 1 answered" in result.output
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        stats = session.execute(
            select(Repository.prefix, PropagationStat.current, PropagationStat.older).join(
                Repository, Repository.id == PropagationStat.repository_id
            )
        ).all()
        host = session.get(Host, host_id)
        assert host is not None and host.last_crawled is None
        assert session.scalar(select(func.count()).select_from(HostCategoryDir)) == 0
    engine.dispose()
    assert {prefix for prefix, _, _ in stats} == {"epel-9", "testing-epel9"}
    assert all((current, older) == (1, 0) for _, current, older in stats)

    unknown = CliRunner().invoke(
        propagation_command, ["--config", str(config), "--repo", "nope"], standalone_mode=False
    )
    assert isinstance(unknown.exception, ConfigError)
