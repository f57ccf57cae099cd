"""The audit trail: every change (web UI, API, CLI) writes one AuditLog row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mirrormanager.db.models import AuditLog, User


def record(
    db: Session,
    user: User | None,
    action: str,
    obj: Any,
    summary: str,
    **details: Any,
) -> AuditLog:
    """Add an audit row for `action` on `obj` (a model instance or a type name) in `db`.

    The caller commits: the audit row and the change land in one transaction.
    """
    object_type = obj if isinstance(obj, str) else type(obj).__name__
    object_id = None if isinstance(obj, str) else getattr(obj, "id", None)
    row = AuditLog(
        user_id=user.id if user else None,
        username=user.username if user else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:2000],
        details={k: _plain(v) for k, v in details.items()},
    )
    db.add(row)
    return row


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


def changes(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on `obj`; return {field: [old, new]} for those that changed."""
    changed: dict[str, list[Any]] = {}
    for name, value in new_values.items():
        old = getattr(obj, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changed
