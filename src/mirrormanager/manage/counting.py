"""Row counts for the delete summaries (what a delete takes with it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session


def count_rows(session: Session, model: Any, condition: ColumnElement[bool]) -> int:
    """How many rows of ``model`` match ``condition``."""
    return session.scalar(select(func.count()).select_from(model).where(condition)) or 0
