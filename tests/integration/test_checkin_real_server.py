"""report_mirror (the client) against the check-in endpoint served for real on loopback,
writing to a real database file: by `serve-checkin` (uvicorn) and by `serve-web` (waitress),
whose /xmlrpc is where MirrorManager2's deployed report_mirror.conf files point."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
import waitress
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mirrormanager.checkin.app import create_app
from mirrormanager.checkin.passwords import hash_site_password
from mirrormanager.cli.checkin import report_mirror_command
from mirrormanager.db.models import Category, Host, HostCategory, HostCategoryDir, Site
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.errors import MirrorManagerError
from mirrormanager.scanner.service import ScanOptions, scan
from mirrormanager.settings import Settings, load_settings
from mirrormanager.web.app import create_app as create_web_app
from tests.integration.mirror_servers import free_port, wait_for_port


@dataclasses.dataclass
class Setup:
    url: str
    mirror: Path
    session: Session
    host_id: int


@contextlib.contextmanager
def _serve_checkin(factory: sessionmaker[Session], port: int) -> Iterator[None]:
    """`serve-checkin`: the Starlette app under uvicorn."""
    config = uvicorn.Config(
        create_app(factory, min_interval=0), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def _serve_web(factory: sessionmaker[Session], port: int, data: Path) -> Iterator[None]:
    """`serve-web`: the whole web application under waitress, where MirrorManager2's
    report_mirror.conf files point (``https://admin…/mirrormanager/xmlrpc``)."""
    settings = Settings(data_dir=data, secret_key="test", checkin_min_interval=0)
    app = create_web_app(settings, session_factory=factory)
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    try:
        yield
    finally:
        server.close()
        thread.join(10)


@pytest.fixture(params=["serve-checkin", "serve-web"])
def setup(request: pytest.FixtureRequest, tmp_path: Path, file_db: str) -> Iterator[Setup]:
    master = tmp_path / "master"
    build_demo_tree(master)
    mirror = tmp_path / "mirror"
    shutil.copytree(master / "pub/epel", mirror / "epel", symlinks=True)
    settings = dataclasses.replace(load_settings(env={}).settings, master_prefix=master)
    engine = make_engine(file_db)
    factory = make_session_factory(engine)
    session = factory()
    assert scan(session, settings, ScanOptions(categories=("Fedora EPEL",))).ok
    site = Site(name="Private Site", password=hash_site_password("pw"))
    host = Host(site=site, name="inside.example.org", country="DE", private=True)
    category = session.scalars(select(Category).where(Category.name == "Fedora EPEL")).one()
    session.add_all([site, host, HostCategory(host=host, category=category)])
    session.commit()
    port = free_port()
    if request.param == "serve-web":
        serving = _serve_web(factory, port, tmp_path)
    else:
        serving = _serve_checkin(factory, port)
    try:
        with serving:
            yield Setup(f"http://127.0.0.1:{port}", mirror / "epel", session, host.id)
    finally:
        session.close()
        engine.dispose()


def write_config(tmp: Path, setup: Setup, password: str = "pw") -> Path:
    config = tmp / "report_mirror.conf"
    config.write_text(
        f"[global]\nenabled=1\nserver={setup.url}/xmlrpc\n"
        f"[site]\nenabled=1\nname=Private Site\npassword={password}\n"
        "[host]\nenabled=1\nname=inside.example.org\n[stats]\nenabled=0\n"
        f"[Fedora EPEL]\nenabled=1\npath={setup.mirror}\n"
        "[Fedora Linux]\nenabled=0\npath=/nonexistent\n",
        encoding="utf-8",
    )
    return config


def current_rows(session: Session) -> int:
    session.expire_all()
    count = session.scalar(
        select(func.count()).select_from(HostCategoryDir).where(HostCategoryDir.up2date)
    )
    return int(count or 0)


def mirror_dirs(root: Path) -> int:
    return 1 + sum(len(dirs) for _, dirs, _ in os.walk(root))


def test_report_mirror_checks_in_over_xmlrpc(tmp_path: Path, setup: Setup) -> None:
    config = write_config(tmp_path, setup)
    excludes = tmp_path / "excludes"
    excludes.write_text("# comment\n/debug/\n", encoding="utf-8")
    result = CliRunner().invoke(
        report_mirror_command,
        ["-c", str(config), "--exclude-from", str(excludes)],
        standalone_mode=False,
    )
    assert result.exception is None, result.output
    assert "checked in successful" in result.output
    debug_dirs = sum(1 for path, _, _ in os.walk(setup.mirror) if "/debug" in path)
    assert debug_dirs > 0
    assert current_rows(setup.session) == mirror_dirs(setup.mirror) - debug_dirs
    host = setup.session.get(Host, setup.host_id)
    assert host is not None and host.last_checked_in is not None

    # A directory removed from the mirror disappears at the next check-in; over JSON too.
    shutil.rmtree(setup.mirror / "testing")
    result = CliRunner().invoke(
        report_mirror_command,
        ["-c", str(config), "--server", f"{setup.url}/api/checkin"],
        standalone_mode=False,
    )
    assert result.exception is None, result.output
    assert current_rows(setup.session) == mirror_dirs(setup.mirror)


def test_dry_run_sends_nothing_and_hides_the_password(tmp_path: Path, setup: Setup) -> None:
    result = CliRunner().invoke(
        report_mirror_command, ["-c", str(write_config(tmp_path, setup)), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert '"fedora epel"' in result.output and '"9/Everything/x86_64"' in result.output
    assert '"fedora linux"' not in result.output  # enabled=0
    assert "pw" not in result.output.replace("password", "")
    assert current_rows(setup.session) == 0


def test_wrong_password_is_reported_and_changes_nothing(tmp_path: Path, setup: Setup) -> None:
    config = write_config(tmp_path, setup, password="guess")
    result = CliRunner().invoke(report_mirror_command, ["-c", str(config)], standalone_mode=False)
    assert isinstance(result.exception, MirrorManagerError)
    assert "site name or password incorrect" in str(result.exception)
    assert current_rows(setup.session) == 0
