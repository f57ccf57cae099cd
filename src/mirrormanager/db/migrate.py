"""Alembic, driven from inside the package: `mirrormanager db upgrade` and the drift check."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from mirrormanager.db.base import Base
from mirrormanager.errors import DatabaseError


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "mirrormanager.db:migrations")
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config_no_engine())
    head = script.get_current_head()
    assert head is not None
    return head


def alembic_config_no_engine() -> Config:
    config = Config()
    config.set_main_option("script_location", "mirrormanager.db:migrations")
    return config


def _shown(engine: Engine) -> str:
    """The database URL without its password, for messages and DatabaseError.url."""
    return engine.url.render_as_string(hide_password=True)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; each migration runs in its own transaction."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot migrate database {_shown(engine)}: {exc.orig}",
            url=_shown(engine),
        ) from exc


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot reach database {_shown(engine)}: {exc}",
            url=_shown(engine),
        ) from exc


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not at head."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise DatabaseError(
            f"database {_shown(engine)} is at schema revision {current or 'none'}, expected {head}",
            hint="run `mirrormanager db upgrade`",
            url=_shown(engine),
        )


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated schema (empty when in sync)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return list(compare_metadata(context, Base.metadata))
