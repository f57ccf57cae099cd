"""Declarations for the admin's list/create/edit/delete pages of simple tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mirrormanager.web.forms import BaseForm


@dataclass(frozen=True)
class CrudSpec:
    """One admin-managed table: its form, list columns, search and how to describe a row."""

    key: str
    title: str
    singular: str
    model: type[Any]
    form: type[BaseForm]
    columns: Sequence[tuple[str, Callable[[Any], Any]]]
    search: Sequence[Any]
    order_by: Any
    describe: Callable[[Any], str]
    unique: Sequence[str] = ()
    prepare: Callable[[BaseForm], None] | None = None
    to_values: Callable[[BaseForm], dict[str, Any]] | None = None
    from_obj: Callable[[BaseForm, Any], None] | None = None
    can_create: bool = True
    can_delete: bool = True
    toggle: str | None = None  # a boolean column with a one-click switch on the list
    intro: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self, form: BaseForm) -> dict[str, Any]:
        if self.to_values is not None:
            return self.to_values(form)
        return {
            name: (value if value != "" else None)
            for name, value in form.data.items()
            if name != "csrf_token"
        }
