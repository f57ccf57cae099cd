"""Write what the walker saw into the database, in batches, inside the category's transaction.

Directory rows are written through Core statements in batches so a first scan of a
Fedora-sized tree (100k directories) neither builds 100k ORM objects nor holds every file
list in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from mirrormanager.db.models import CategoryDirectory, Directory, FileDetail
from mirrormanager.scanner.details import DetailData
from mirrormanager.scanner.filelist import filelist_json, short_filelist
from mirrormanager.scanner.walk import KnownDir, Observed

BATCH = 2000
_dir = cast(Table, Directory.__table__)
_link = cast(Table, CategoryDirectory.__table__)
_detail = cast(Table, FileDetail.__table__)


@dataclass(slots=True)
class WriteCounts:
    added: int = 0
    changed: int = 0
    linked: int = 0
    file_details: int = 0


@dataclass(slots=True)
class DirectoryWriter:
    """Buffers directory changes of one category and writes them in batches."""

    session: Session
    category_id: int
    topdir: str
    known: dict[str, KnownDir]
    linked: set[int]
    threshold: int
    keep: int
    counts: WriteCounts = field(default_factory=WriteCounts)
    new_ids: dict[str, int] = field(default_factory=dict)
    _new: list[dict[str, Any]] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _file_updates: list[dict[str, Any]] = field(default_factory=list)
    _links: list[int] = field(default_factory=list)
    _details: list[tuple[str, DetailData]] = field(default_factory=list)

    def full_name(self, relpath: str) -> str:
        return f"{self.topdir}/{relpath}" if relpath else self.topdir

    def directory_id(self, relpath: str) -> int | None:
        known = self.known.get(relpath)
        return known.id if known is not None else self.new_ids.get(relpath)

    def add(self, observed: Observed) -> None:
        files = None
        if observed.listed and observed.files is not None:
            files = filelist_json(short_filelist(observed.files, self.threshold, self.keep))
        known = self.known.get(observed.relpath)
        if known is None:
            self._new.append(
                {
                    "relpath": observed.relpath,
                    "name": self.full_name(observed.relpath),
                    "ctime": observed.ctime,
                    "readable": observed.readable,
                    "files": files or [],
                }
            )
        else:
            if known.id not in self.linked:
                self._links.append(known.id)
                self.linked.add(known.id)
            if files is not None:
                self._file_updates.append(
                    {
                        "b_id": known.id,
                        "ctime": observed.ctime,
                        "readable": observed.readable,
                        "files": files,
                    }
                )
            elif known.ctime != observed.ctime or known.readable != observed.readable:
                self._updates.append(
                    {"b_id": known.id, "ctime": observed.ctime, "readable": observed.readable}
                )
        if len(self._new) + len(self._updates) + len(self._file_updates) >= BATCH:
            self.flush()

    def add_details(self, relpath: str, details: Iterable[DetailData]) -> None:
        self._details.extend((relpath, detail) for detail in details)

    def flush(self) -> None:
        if self._new:
            rows = [{k: v for k, v in row.items() if k != "relpath"} for row in self._new]
            by_name = {row["name"]: row["relpath"] for row in self._new}
            result = self.session.execute(insert(_dir).returning(_dir.c.id, _dir.c.name), rows)
            for dir_id, name in result:
                self.new_ids[by_name[name]] = dir_id
                self._links.append(dir_id)
                self.linked.add(dir_id)
            self.counts.added += len(rows)
            self._new.clear()
        if self._updates:
            self.session.execute(
                update(_dir)
                .where(_dir.c.id == bindparam("b_id"))
                .values(ctime=bindparam("ctime"), readable=bindparam("readable")),
                self._updates,
            )
            self.counts.changed += len(self._updates)
            self._updates.clear()
        if self._file_updates:
            self.session.execute(
                update(_dir)
                .where(_dir.c.id == bindparam("b_id"))
                .values(
                    ctime=bindparam("ctime"),
                    readable=bindparam("readable"),
                    files=bindparam("files", type_=_dir.c.files.type),
                ),
                self._file_updates,
            )
            self.counts.changed += len(self._file_updates)
            self._file_updates.clear()
        if self._links:
            self.session.execute(
                insert(_link),
                [{"category_id": self.category_id, "directory_id": i} for i in self._links],
            )
            self.counts.linked += len(self._links)
            self._links.clear()
        if self._details:
            self._write_details()

    def _write_details(self) -> None:
        pending: list[tuple[int, DetailData]] = []
        for relpath, detail in self._details:
            dir_id = self.directory_id(relpath)
            if dir_id is not None:
                pending.append((dir_id, detail))
        self._details.clear()
        newest = newest_details(self.session, {dir_id for dir_id, _ in pending})
        rows = []
        for dir_id, detail in pending:
            current = newest.get((dir_id, detail.filename))
            if current is not None and same_content(current, detail):
                continue
            rows.append(
                {
                    "directory_id": dir_id,
                    "filename": detail.filename,
                    "timestamp": detail.timestamp,
                    "size": detail.size,
                    "md5": detail.md5,
                    "sha1": detail.sha1,
                    "sha256": detail.sha256,
                    "sha512": detail.sha512,
                }
            )
        if rows:
            self.session.execute(insert(FileDetail), rows)
            self.counts.file_details += len(rows)


def same_content(current: Any, detail: DetailData) -> bool:
    """Equal when size and every hash both sides know agree."""
    if current.size != detail.size:
        return False
    pairs = [
        (current.md5, detail.md5),
        (current.sha1, detail.sha1),
        (current.sha256, detail.sha256),
        (current.sha512, detail.sha512),
    ]
    compared = [(a, b) for a, b in pairs if a and b]
    return bool(compared) and all(a == b for a, b in compared)


def newest_details(session: Session, directory_ids: set[int]) -> dict[tuple[int, str], Any]:
    """The newest FileDetail per (directory, filename) of these directories."""
    if not directory_ids:
        return {}
    ranked = (
        select(
            FileDetail.id,
            func.row_number()
            .over(
                partition_by=(FileDetail.directory_id, FileDetail.filename),
                order_by=(FileDetail.timestamp.desc(), FileDetail.id.desc()),
            )
            .label("rank"),
        )
        .where(FileDetail.directory_id.in_(directory_ids))
        .subquery()
    )
    rows = session.execute(
        select(_detail).join(ranked, ranked.c.id == _detail.c.id).where(ranked.c.rank == 1)
    )
    return {(row.directory_id, row.filename): row for row in rows}
