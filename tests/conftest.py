"""Shared fixtures: a real database per backend, one rolled-back transaction per test.

SQLite always; PostgreSQL too when MM_TEST_DATABASE_URL is set (CI sets it). Each
PostgreSQL test session works in a schema of its own, built by the migrations.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from mirrormanager.db.migrate import upgrade
from mirrormanager.db.session import make_engine
from tests import factories

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("MM_TEST_DATABASE_URL") else [])


def _postgres_engine(schema: str) -> Engine:
    url = os.environ["MM_TEST_DATABASE_URL"]
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.sqlite"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    schema = f"mm_test_{uuid.uuid4().hex[:10]}"
    eng = _postgres_engine(schema)
    upgrade(eng)
    yield eng
    eng.dispose()
    admin = make_engine(os.environ["MM_TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    factories.bind(session)
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def backend(engine: Engine) -> str:
    return engine.dialect.name


@pytest.fixture
def file_db(tmp_path: Path) -> str:
    """URL of a fresh, migrated SQLite file, for CLI tests that open their own connections."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    return url
