"""`stats ingest`: access logs → daily AccessStat rows, each file counted once.

Files are read one after the other; their blocks are counted by a pool of worker
processes (parsing is CPU-bound) while the main process reads and decompresses ahead. Each
file's aggregates are written in one transaction: the IngestedLog row (unique fingerprint)
and an upsert that adds to existing AccessStat rows, so two files with requests of the
same day add up and a file seen before is skipped as a whole.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    AccessStat,
    IngestedLog,
    Product,
    PropagationStat,
    Repository,
    Version,
)
from mirrormanager.errors import InputError
from mirrormanager.logging import get_logger
from mirrormanager.stats.logparse import DayKey, ParseResult, parse_file
from mirrormanager.stats.products import product_version

log = get_logger(__name__)

_UPSERT_BATCH = 2000


@dataclass(frozen=True, slots=True)
class FileReport:
    path: Path
    status: str  # "ingested", "skipped" (seen before) or "failed"
    lines: int = 0
    requests: int = 0
    malformed: int = 0
    rows: int = 0
    examples: tuple[tuple[int, str], ...] = ()
    error: str = ""


@dataclass(slots=True)
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)

    def total(self, attribute: str) -> int:
        return sum(int(getattr(f, attribute)) for f in self.files if f.status == "ingested")


def _parse(path: Path, pool: Executor | None) -> ParseResult | str:
    """The parse result, or the error text (never raises)."""
    try:
        return parse_file(path, pool=pool)
    except (OSError, EOFError, zlib.error) as exc:  # unreadable, or a truncated/corrupt .gz
        return f"{type(exc).__name__}: {exc}"


def _parsed(paths: Sequence[Path], workers: int) -> Iterator[tuple[Path, ParseResult | str]]:
    if workers <= 1:
        for path in paths:
            yield path, _parse(path, None)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for path in paths:
            yield path, _parse(path, pool)


def known_prefixes(session: Session, prefixes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """prefix → (product, version) for the prefixes the Repository table knows."""
    wanted = sorted(set(prefixes))
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(Repository.prefix, Product.name, Version.name)
            .join(Version, Repository.version_id == Version.id)
            .join(Product, Version.product_id == Product.id)
            .where(Repository.prefix.in_(wanted[start : start + 500]))
        )
        for prefix, product, version in rows:
            if prefix is not None:
                found.setdefault(prefix, (product, version))
    return found


def _rows(session: Session, counts: dict[DayKey, int]) -> list[dict[str, Any]]:
    known = known_prefixes(session, (k.repo for k in counts))
    rows = []
    for key, requests in counts.items():
        product, version = known.get(key.repo) or product_version(key.repo)
        rows.append(
            {
                "date": key.day,
                "repo": key.repo,
                "arch": key.arch,
                "country": key.country,
                "product": product,
                "version": version,
                "requests": requests,
            }
        )
    return rows


def upsert_access_stats(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add request counts to AccessStat, creating rows as needed (SQLite and PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    insert_: Callable[..., Any] = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):
        raise InputError(f"statistics need SQLite or PostgreSQL, not {dialect}")
    table = AccessStat.__table__
    for start in range(0, len(rows), _UPSERT_BATCH):
        stmt = insert_(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["date", "repo", "arch", "country"],
            set_={
                "requests": table.c.requests + stmt.excluded.requests,
                "product": stmt.excluded.product,
                "version": stmt.excluded.version,
            },
        )
        session.execute(stmt, rows[start : start + _UPSERT_BATCH])


def store(session: Session, path: Path, parsed: ParseResult) -> FileReport:
    """One file in one transaction; a fingerprint seen before means skipped."""
    seen = session.scalar(
        select(IngestedLog.id).where(IngestedLog.fingerprint == parsed.fingerprint)
    )
    if seen is not None:
        return FileReport(path, "skipped", lines=parsed.lines)
    try:
        session.add(
            IngestedLog(
                fingerprint=parsed.fingerprint,
                path=str(path),
                lines=parsed.lines,
                malformed=parsed.malformed,
            )
        )
        session.flush()
        rows = _rows(session, dict(parsed.counts))
        upsert_access_stats(session, rows)
        session.commit()
    except IntegrityError:
        # Another ingest of the same file committed first.
        session.rollback()
        return FileReport(path, "skipped", lines=parsed.lines)
    return FileReport(
        path,
        "ingested",
        lines=parsed.lines,
        requests=parsed.requests,
        malformed=parsed.malformed,
        rows=len(rows),
        examples=tuple(parsed.examples),
    )


def ingest(
    session: Session,
    paths: Sequence[Path],
    *,
    workers: int = 2,
    on_file: Callable[[FileReport], None] | None = None,
) -> IngestReport:
    """Ingest access logs (plain or gzip); each file counts once, whatever its name."""
    report = IngestReport()
    for path, parsed in _parsed(list(paths), workers):
        if isinstance(parsed, str):
            file_report = FileReport(path, "failed", error=parsed)
            log.error("access log unreadable", path=str(path), error=parsed)
        else:
            file_report = store(session, path, parsed)
            log.info(
                "access log " + file_report.status,
                path=str(path),
                lines=file_report.lines,
                malformed=file_report.malformed,
            )
        report.files.append(file_report)
        if on_file is not None:
            on_file(file_report)
    return report


def expire(session: Session, keep_days: int, *, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete AccessStat and PropagationStat rows older than `keep_days`; (access, propagation)."""
    if keep_days < 1:
        raise InputError(f"keep at least one day of statistics, not {keep_days}")
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=keep_days)
    access = session.execute(delete(AccessStat).where(AccessStat.date < cutoff.date()))
    propagation = session.execute(delete(PropagationStat).where(PropagationStat.at < cutoff))
    session.commit()
    return int(access.rowcount), int(propagation.rowcount)  # type: ignore[attr-defined]
