"""Usage statistics, propagation history and the record of job runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mirrormanager.db.base import Base, IdMixin, JsonType, utcnow


class AccessStat(IdMixin, Base):
    """Daily mirrorlist/metalink requests per repository, arch and country."""

    __tablename__ = "access_stat"
    __table_args__ = (UniqueConstraint("date", "repo", "arch", "country"),)

    date: Mapped[dt.date] = mapped_column(Date, index=True)
    repo: Mapped[str] = mapped_column(String(100))
    arch: Mapped[str] = mapped_column(String(50))
    country: Mapped[str] = mapped_column(String(2))
    product: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[str | None] = mapped_column(String(100))
    requests: Mapped[int] = mapped_column(BigInteger, default=0)


class IngestedLog(IdMixin, Base):
    """A log file already counted, so ingesting it twice counts once."""

    __tablename__ = "ingested_log"

    fingerprint: Mapped[str] = mapped_column(String(128), unique=True)
    path: Mapped[str] = mapped_column(Text)
    lines: Mapped[int] = mapped_column(BigInteger, default=0)
    malformed: Mapped[int] = mapped_column(BigInteger, default=0)
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PropagationStat(IdMixin, Base):
    """How many mirrors serve a repository's current repomd.xml, at one point in time."""

    __tablename__ = "propagation_stat"
    __table_args__ = (UniqueConstraint("repository_id", "at"),)

    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(index=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    one_behind: Mapped[int] = mapped_column(Integer, default=0)
    older: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    no_info: Mapped[int] = mapped_column(Integer, default=0)


class JobRun(IdMixin, Base):
    """One run of a scheduled job (scan, crawl, snapshot, …) for dashboards and alerts."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(50), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running/ok/failed
    summary: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
