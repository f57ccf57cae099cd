"""Build the snapshot from the database and publish it: the job behind `mirrormanager snapshot`."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import JobRun
from mirrormanager.formats import mm2_protobuf, snapshot_codec
from mirrormanager.logging import get_logger
from mirrormanager.settings import Settings
from mirrormanager.snapshot.build import build_snapshot
from mirrormanager.snapshot.store import folder_lock, next_serial, publish

log = get_logger(__name__)

SnapshotFormat = Literal["native", "mm2-protobuf"]
FORMATS: tuple[SnapshotFormat, ...] = ("native", "mm2-protobuf")


@dataclass(frozen=True, slots=True)
class PublishResult:
    path: Path
    format: SnapshotFormat
    serial: int
    created: int
    hosts: int
    directories: int
    repositories: int
    bytes: int
    seconds: float

    def summary(self) -> str:
        return (
            f"snapshot {self.path} ({self.format}): serial {self.serial}, {self.hosts} hosts, "
            f"{self.directories} directories, {self.repositories} repositories, "
            f"{self.bytes} bytes, {self.seconds:.2f}s"
        )


def build_and_publish(
    session: Session,
    settings: Settings,
    engine: Engine,
    *,
    output: Path | None = None,
    fmt: SnapshotFormat = "native",
    now: float | None = None,
) -> PublishResult:
    """Build a snapshot and publish it atomically; one builder at a time per database and
    per target folder (LockHeldError otherwise)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown snapshot format {fmt!r}")
    target = Path(output or settings.effective_snapshot_file)
    started = time.monotonic()
    with job_lock(engine, "snapshot", what="snapshot build"), folder_lock(target):
        if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
            # Every query of the build must see the same database state.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        created = int(time.time() if now is None else now)
        snapshot = build_snapshot(
            session, settings, serial=next_serial(target, created), now=created
        )
        session.rollback()  # end the read transaction before the (slow) encode and write
        if fmt == "native":
            data = snapshot_codec.encode(snapshot)
        else:
            data = mm2_protobuf.snapshot_to_mm2(snapshot)
        publish(data, target)
        result = PublishResult(
            path=target,
            format=fmt,
            serial=snapshot.serial,
            created=snapshot.created,
            hosts=len(snapshot.hosts),
            directories=len(snapshot.directories),
            repositories=len(snapshot.repositories),
            bytes=len(data),
            seconds=time.monotonic() - started,
        )
        session.add(
            JobRun(
                job="snapshot",
                finished_at=dt.datetime.now(dt.UTC),
                status="ok",
                summary={
                    "path": str(target),
                    "format": fmt,
                    "serial": result.serial,
                    "hosts": result.hosts,
                    "directories": result.directories,
                    "repositories": result.repositories,
                    "bytes": result.bytes,
                    "seconds": round(result.seconds, 3),
                },
            )
        )
        session.commit()
    log.info(
        "snapshot published",
        path=str(target),
        format=fmt,
        serial=result.serial,
        hosts=result.hosts,
        directories=result.directories,
        bytes=result.bytes,
        seconds=round(result.seconds, 3),
    )
    return result
