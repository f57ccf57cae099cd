"""A database the CLI opens itself (a SQLite file, or a PostgreSQL schema), seeded with the
web tests' small world, and `mm(...)`: one command run in-process as `mirrormanager` runs
it (run_cli: exit codes, one-line errors)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from mirrormanager.cli.context import run_cli
from mirrormanager.cli.main import cli
from mirrormanager.db import models as m
from mirrormanager.db.migrate import upgrade
from mirrormanager.db.session import make_engine
from tests.conftest import BACKENDS

ADMIN_GROUP = "sysadmin-web"


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class CliDb:
    url: str
    engine: Engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def _postgres_url(schema: str) -> str:
    base = os.environ["MM_TEST_DATABASE_URL"]
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def cli_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CliDb]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'manage.sqlite'}"
        engine = make_engine(url)
        upgrade(engine)
        _seed(engine)
        yield CliDb(url, engine)
        engine.dispose()
        return
    schema = f"mm_cli_{uuid.uuid4().hex[:10]}"
    admin = make_engine(os.environ["MM_TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _postgres_url(schema)
    engine = make_engine(url)
    upgrade(engine)
    _seed(engine)
    yield CliDb(url, engine)
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _seed(engine: Engine) -> None:
    """root (admin), alice (admin of site-a), bob (admin of site-b), carol (no site); the
    categories "Fedora EPEL" (top dir pub/epel) and "Internal" (admin-only); a location."""
    with Session(engine) as db:
        users = {n: m.User(username=n, active=True) for n in ("root", "alice", "bob", "carol")}
        group = m.Group(name=ADMIN_GROUP)
        db.add_all([*users.values(), group])
        db.flush()
        db.add(m.UserGroup(user_id=users["root"].id, group_id=group.id))
        product = m.Product(name="EPEL")
        epel_dir = m.Directory(name="pub/epel", ctime=0, readable=True, files=[])
        internal_dir = m.Directory(name="pub/internal", ctime=0, readable=True, files=[])
        db.add_all([product, epel_dir, internal_dir])
        db.flush()
        db.add_all(
            [
                m.Category(name="Fedora EPEL", product_id=product.id, topdir_id=epel_dir.id),
                m.Category(
                    name="Internal",
                    product_id=product.id,
                    topdir_id=internal_dir.id,
                    admin_only=True,
                ),
                m.Location(name="fra-ix"),
            ]
        )
        for name, owner, country in (("site-a", "alice", "DE"), ("site-b", "bob", "FR")):
            site = m.Site(name=name)
            db.add(site)
            db.flush()
            db.add(m.SiteAdmin(site_id=site.id, user_id=users[owner].id))
            db.add(m.Host(site_id=site.id, name=f"mirror.{name}.example.org", country=country))
        db.commit()


@pytest.fixture
def mm(cli_db: CliDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    for name in list(os.environ):
        if name.startswith("MM_") and name != "MM_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("MM_DATABASE_URL", cli_db.url)
    monkeypatch.setenv("MM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MM_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("MM_ADMIN_GROUP", ADMIN_GROUP)

    def run(*args: str, stdin: str | None = None) -> Run:
        runner = CliRunner()
        with runner.isolation(input=stdin) as (out, err, _output):
            try:
                run_cli(cli, "mirrormanager", list(args))
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
            return Run(code, out.getvalue().decode(), err.getvalue().decode())

    return run
