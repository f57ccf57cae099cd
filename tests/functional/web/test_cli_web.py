"""`mirrormanager user add/passwd/grant` and `serve-web`, on a migrated SQLite file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mirrormanager.cli.users import user
from mirrormanager.cli.web import serve_web
from mirrormanager.db import models as m
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.errors import InputError
from mirrormanager.web.accounts import group_names
from mirrormanager.web.security import verify_password


@pytest.fixture
def env(file_db: str, tmp_path: Path) -> dict[str, str]:
    return {
        "MM_DATABASE_URL": file_db,
        "MM_DATA_DIR": str(tmp_path),
        "MM_LOG_DIR": str(tmp_path / "log"),
        "MM_LOG_FORMAT": "json",
    }


def _user(url: str, name: str) -> tuple[m.User | None, set[str]]:
    engine = make_engine(url)
    session = make_session_factory(engine)()
    found = session.scalar(select(m.User).where(m.User.username == name))
    groups = group_names(session, found) if found else set()
    session.close()
    engine.dispose()
    return found, groups


def test_user_add_passwd_grant(env: dict[str, str], file_db: str) -> None:
    runner = CliRunner()
    r = runner.invoke(
        user,
        ["add", "root", "--email", "root@example.org", "--admin"],
        input="first password\nfirst password\n",
        env=env,
    )
    assert r.exit_code == 0, r.output
    assert "created in group sysadmin-web" in r.output
    found, groups = _user(file_db, "root")
    assert found is not None and verify_password(found.password_hash, "first password")
    assert groups == {"sysadmin-web"}
    r = runner.invoke(
        user, ["passwd", "root", "--password-stdin"], input="second password\n", env=env
    )
    assert r.exit_code == 0, r.output
    found, _ = _user(file_db, "root")
    assert found is not None and verify_password(found.password_hash, "second password")
    r = runner.invoke(user, ["grant", "root", "mirror-wranglers"], env=env)
    assert r.exit_code == 0 and "added to mirror-wranglers" in r.output
    r = runner.invoke(user, ["grant", "root", "mirror-wranglers"], env=env)
    assert "already in" in r.output


def test_user_errors_are_input_errors(env: dict[str, str]) -> None:
    runner = CliRunner()
    r = runner.invoke(user, ["add", "x", "--password-stdin"], input="short\n", env=env)
    assert isinstance(r.exception, InputError) and "at least" in str(r.exception)
    r = runner.invoke(
        user, ["add", "bad name!", "--password-stdin"], input="long enough 1\n", env=env
    )
    assert isinstance(r.exception, InputError)
    r = runner.invoke(user, ["grant", "ghost", "g"], env=env)
    assert isinstance(r.exception, InputError) and "no user named" in str(r.exception)


def test_serve_web_refuses_a_bad_bind(env: dict[str, str]) -> None:
    result = CliRunner().invoke(serve_web, ["--bind", "8000"], env=env)
    assert result.exit_code == 2 and "'8000' has no port" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_web_runs_under_waitress(env: dict[str, str], tmp_path: Path) -> None:
    """A real server process answers the login page and the health check."""
    port = _free_port()
    code = (
        "import sys; from mirrormanager.cli.context import run_cli; "
        "from mirrormanager.cli.web import serve_web; "
        "run_cli(serve_web, 'mirrormanager serve-web', sys.argv[1:])"
    )
    output = tmp_path / "serve.out"
    with output.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "--bind", f"127.0.0.1:{port}"],
            # PYTHONPATH too: the child must run the code under test (a worktree's src/).
            env={**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, output.read_text()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert r.json() == {"status": "ok"}
        login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and "csrf_token" in login.text
    finally:
        proc.terminate()
        proc.wait(10)


def test_demo_accounts(db_session) -> None:  # type: ignore[no-untyped-def]
    from mirrormanager.demo.accounts import create_demo_accounts
    from tests import factories as f

    site = f.SiteFactory(name="demo-site")
    first = create_demo_accounts(db_session, "sysadmin-web")
    assert [a.username for a in first] == ["demo-admin", "demo-mirror"]
    assert all(a.password for a in first)
    assert first[1].role == "mirror admin of demo-site"
    mirror = db_session.scalar(select(m.User).where(m.User.username == "demo-mirror"))
    assert verify_password(mirror.password_hash, first[1].password or "")
    assert db_session.scalar(select(m.SiteAdmin).where(m.SiteAdmin.site_id == site.id))
    again = create_demo_accounts(db_session, "sysadmin-web")
    assert [a.password for a in again] == [None, None]


def test_demo_mirror_admin_can_save_their_account_page(db_session, web_client) -> None:  # type: ignore[no-untyped-def]
    from mirrormanager.demo.accounts import create_demo_accounts
    from tests import factories as f

    f.SiteFactory(name="demo-site")
    old = m.User(username="demo-admin", email="demo-admin@localhost")  # an older demo database
    db_session.add(old)
    db_session.flush()
    create_demo_accounts(db_session, "sysadmin-web")
    db_session.commit()
    users = {u.username: u for u in db_session.scalars(select(m.User))}
    assert users["demo-mirror"].email == "demo-mirror@demo.example"
    assert users["demo-admin"].email == "demo-admin@demo.example"
    client = web_client(users["demo-mirror"])
    page = client.post(
        "/account/", {"email": users["demo-mirror"].email, "display_name": "Demo Mirror"}
    )
    assert page.status_code == 302, page.get_data(as_text=True)
    db_session.expire_all()
    saved = db_session.scalar(select(m.User).where(m.User.username == "demo-mirror"))
    assert saved.display_name == "Demo Mirror"
