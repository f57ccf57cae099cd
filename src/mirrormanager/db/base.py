"""Declarative base shared by every model.

A naming convention makes constraint names identical on SQLite and PostgreSQL, so Alembic
migrations (and `alembic check`) behave the same on both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON columns replace MirrorManager2's pickles; JSONB on PostgreSQL for indexing and size.
JsonType = JSON().with_variant(postgresql.JSONB(), "postgresql")
# For optional JSON values: Python None is SQL NULL (not the JSON text "null"), so
# ``IS NULL`` / ``IS NOT NULL`` mean what they say.
NullableJsonType = JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {
        dt.datetime: DateTime(timezone=True),
    }


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
