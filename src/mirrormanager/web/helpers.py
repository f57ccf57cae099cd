"""Small view helpers: pagination, search, forms with their errors, admin tables."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, TypeVar

from flask import current_app, request
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mirrormanager.core.clientaddr import client_address
from mirrormanager.errors import ManageError, NotFound
from mirrormanager.settings import Settings
from mirrormanager.web.crud import CrudSpec
from mirrormanager.web.forms import BaseForm

T = TypeVar("T")
MAX_SEARCH = 200


def app_settings() -> Settings:
    """The running app's settings, typed: a misspelt setting name fails the type check."""
    settings = current_app.config["MM_SETTINGS"]
    assert isinstance(settings, Settings), "create_app() stores Settings in MM_SETTINGS"
    return settings


def request_client() -> str:
    """The client's address for throttling (X-Forwarded-For only from trusted_proxies)."""
    return client_address(
        request.remote_addr,
        request.headers.get("X-Forwarded-For"),
        app_settings().trusted_proxies,
    )


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    pages: int
    total: int
    query: str

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_term() -> str:
    return request.args.get("q", "").strip()[:MAX_SEARCH]


def paginate(
    db: Session,
    stmt: Select[T],
    *,
    search: Sequence[InstrumentedAttribute[Any]] = (),
    per_page: int | None = None,
) -> Page[T]:
    """Apply `?q=` (case-insensitive substring on `search` columns) and `?page=`."""
    term = search_term()
    if term and search:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        conditions: list[ColumnElement[bool]] = [
            column.ilike(like, escape="\\") for column in search
        ]
        stmt = stmt.where(or_(*conditions))
    per_page = per_page or app_settings().web_page_size
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    items = db.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, page=page, pages=pages, total=total, query=term)


def confirm_page(
    question: str,
    cancel_url: str,
    *,
    title: str = "Confirm deletion",
    action_label: str = "Delete",
    also: Sequence[str] = (),
) -> str:
    """The confirmation step before a delete: a page whose form POSTs back (with CSRF);
    `also` lists what goes with it (`manage.deletion.consequences`)."""
    from flask import render_template

    return render_template(
        "confirm.html",
        title=title,
        question=question,
        action_label=action_label,
        cancel_url=cancel_url,
        also=also,
    )


def refused_on_form(form: Any, exc: ManageError, aliases: dict[str, str] | None = None) -> None:
    """Show a service-layer refusal next to the form field it names.

    A refusal naming no field of this form (NotFound, an admin-only field the form does not
    show) is re-raised: the app's handler answers it with 404/403.
    """
    name = (aliases or {}).get(exc.field or "", exc.field)
    if isinstance(exc, NotFound) or name is None or name not in form:
        raise exc
    field = form[name]
    field.errors = [*field.errors, exc.message]


def named_table(
    key: str,
    title: str,
    singular: str,
    model: type[Any],
    form: type[BaseForm],
    *columns: tuple[str, Callable[[Any], Any]],
    **options: Any,
) -> CrudSpec:
    """An admin table whose rows go by a unique `name`: its first column, what the list
    searches and sorts by, how a row is described; `columns` follow it."""
    name = attrgetter("name")
    return CrudSpec(
        key,
        title,
        singular,
        model,
        form,
        columns=[("Name", name), *columns],
        search=[model.name],
        order_by=model.name,
        describe=name,
        unique=["name"],
        **options,
    )
