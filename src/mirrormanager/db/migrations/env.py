"""Alembic environment: runs against the engine MirrorManager hands over."""

from __future__ import annotations

from alembic import context

from mirrormanager.db import models  # noqa: F401  (registers every table)
from mirrormanager.db.base import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: use the configured settings
    from mirrormanager.db.session import make_engine
    from mirrormanager.settings import load_settings

    engine = make_engine(load_settings().settings.effective_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
