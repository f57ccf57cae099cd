"""The audit trail lives in the service layer (`mirrormanager.manage.audit`)."""

from mirrormanager.manage.audit import changes, record

__all__ = ["changes", "record"]
