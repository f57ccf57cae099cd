"""/rsyncFilter benchmark (issue 16): answer time at Fedora scale, 100,000 directories.

Builds a database with two categories of 50,000 directories each (a Fedora-like tree:
releases/N/Everything/ARCH/os/Packages/X, …) whose change times are spread over 60 days,
then asks the web application for the directories changed in the last hour, day and week,
as a mirror's cron job does (`?categories=Fedora%20Linux&since=…&stripprefix=pub/fedora`),
through Flask's test client (no network; the figure is the application's own time).

    python benchmarks/rsync_filter.py [--directories 100000] [--repeat 20]
                                      [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

DAY = 86400
NOW = 1_790_000_000


def build(engine: Engine, directories: int) -> None:
    from sqlalchemy import insert

    from mirrormanager.db.migrate import upgrade
    from mirrormanager.db.models import Category, CategoryDirectory, Directory, Product

    upgrade(engine)
    rng = random.Random(16)
    with engine.begin() as conn:
        product = conn.execute(insert(Product).values(name="Fedora").returning(Product.id))
        product_id = product.scalar_one()
        next_id = 1
        for category, top in (("Fedora Linux", "pub/fedora/linux"), ("Fedora EPEL", "pub/epel")):
            names = [top]
            per = directories // 2
            arches = ("x86_64", "aarch64", "ppc64le", "s390x")
            letters = "abcdefghijklmnopqrstuvwxyz0123456789"
            for release in range(1, 1000):
                for arch in arches:
                    base = f"{top}/releases/{release}/Everything/{arch}/os"
                    names += [base, f"{base}/repodata"]
                    names += [f"{base}/Packages/{c}" for c in letters]
                    if len(names) >= per:
                        break
                if len(names) >= per:
                    break
            names = names[:per]
            rows = []
            for name in names:
                # Most directories are old; a few change every hour, as on the master.
                age = rng.expovariate(1 / (10 * DAY))
                rows.append({"id": next_id, "name": name, "ctime": int(NOW - min(age, 60 * DAY))})
                next_id += 1
            conn.execute(insert(Directory), rows)
            cat = conn.execute(
                insert(Category)
                .values(name=category, product_id=product_id, topdir_id=rows[0]["id"])
                .returning(Category.id)
            ).scalar_one()
            conn.execute(
                insert(CategoryDirectory),
                [{"category_id": cat, "directory_id": row["id"]} for row in rows],
            )


@contextlib.contextmanager
def database(url: str | None, tmp: Path) -> Iterator[tuple[Engine, str]]:
    """A SQLite file, or a PostgreSQL schema of its own (dropped at the end) so the
    benchmark never touches the database's existing tables."""
    from sqlalchemy import text

    from mirrormanager.db.session import make_engine

    if url is None or url.startswith("sqlite"):
        url = url or f"sqlite:///{tmp / 'bench.sqlite'}"
        engine = make_engine(url)
        yield engine, "sqlite"
        engine.dispose()
        return
    schema = f"mm_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine, "postgresql"
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from sqlalchemy import text

    from mirrormanager.db.session import make_session_factory
    from mirrormanager.settings import Settings
    from mirrormanager.web.app import create_app

    with (
        tempfile.TemporaryDirectory() as tmp,
        database(args.database_url, Path(tmp)) as (
            engine,
            backend,
        ),
    ):
        started = time.monotonic()
        build(engine, args.directories)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # planner statistics, as autovacuum keeps them
        print(f"{backend}: {args.directories:,} directories in {time.monotonic() - started:.1f} s")
        app = create_app(
            Settings(data_dir=Path(tmp), secret_key="bench"),
            session_factory=make_session_factory(engine),
        )
        client = app.test_client()
        for label, window in (("1 hour", 3600), ("1 day", DAY), ("1 week", 7 * DAY)):
            path = (
                "/rsyncFilter?categories=Fedora%20Linux&stripprefix=pub/fedora"
                f"&since={NOW - window}"
            )
            client.get(path)  # warm: connection pool, templates
            times = []
            for _ in range(args.repeat):
                begin = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - begin)
                assert answer.status_code == 200
            lines = answer.get_data(as_text=True).count("\n+ ") // 2
            print(
                f"changed in the last {label:>7}: {lines:6,} include paths, "
                f"median {statistics.median(times) * 1000:7.1f} ms, "
                f"max {max(times) * 1000:7.1f} ms ({args.repeat} requests)"
            )


if __name__ == "__main__":
    main()
