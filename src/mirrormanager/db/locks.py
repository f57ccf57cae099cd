"""Job locks that keep two runs of the same job apart, on SQLite and PostgreSQL.

PostgreSQL: a session-level advisory lock on a connection held for the job's lifetime, so
every machine sharing the database sees it, and a crashed job releases it with its
connection. SQLite: an exclusive `flock` on a file beside the database, which the kernel
releases when the process dies. Neither leaves a stale lock behind after a crash.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from mirrormanager.errors import LockHeldError

# All MirrorManager advisory locks live in one 32-bit namespace ("MM") to avoid other apps.
_PG_NAMESPACE = 0x4D4D


def _pg_key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@contextlib.contextmanager
def job_lock(engine: Engine, name: str, *, what: str | None = None) -> Iterator[None]:
    """Hold the lock `name` for the duration of the block, or raise LockHeldError at once."""
    what = what or name
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:ns, :key)"),
                {"ns": _PG_NAMESPACE, "key": _pg_key(name)},
            ).scalar_one()
            connection.commit()
            if not got:
                raise LockHeldError(
                    f"another {what} is running against this database",
                    hint="wait for it to finish; the lock goes with its database connection",
                )
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:ns, :key)"),
                    {"ns": _PG_NAMESPACE, "key": _pg_key(name)},
                )
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private in-memory database cannot be shared
        return
    path = Path(f"{database}.{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise LockHeldError(
                f"another {what} is running (pid {holder}, lock {path})",
                hint="wait for it to finish; the lock is released when that process exits",
                path=path,
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
