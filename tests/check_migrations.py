"""CI step: run the migrations on a fresh SQLite file (and PostgreSQL when configured), then
check that the models and migrations agree (what `alembic check` does)."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid

from sqlalchemy import text

from mirrormanager.db.migrate import drift, require_current, upgrade
from mirrormanager.db.session import make_engine


def check(url: str, **kwargs: object) -> None:
    engine = make_engine(url, **kwargs)
    upgrade(engine)
    require_current(engine)
    differences = drift(engine)
    engine.dispose()
    if differences:
        print(f"models and migrations differ on {engine.dialect.name}:", *differences, sep="\n  ")
        sys.exit(1)
    print(f"migrations: upgrade head and check OK on {engine.dialect.name}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check(f"sqlite:///{tmp}/check.sqlite")
    url = os.environ.get("MM_TEST_DATABASE_URL")
    if url:
        schema = f"mm_check_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            check(url, connect_args={"options": f"-csearch_path={schema}"})
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
