"""Who may see and change what: the one place the web UI and the API ask.

Rules (the SOP's): a site admin (a SiteAdmin row) sees and changes only that site, its
hosts and everything below them; members of `settings.admin_group` see and change
everything. Every view loads objects through the `*_for` helpers below, which answer
404 when the caller may not see the object (so ids of other sites reveal nothing) and
403 when the caller sees it but the action needs an admin. Templates never decide.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Host,
    HostCategory,
    HostCategoryUrl,
    Site,
    SiteAdmin,
    User,
)
from mirrormanager.web.accounts import group_names
from mirrormanager.web.helpers import app_settings

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def db() -> Session:
    return cast(Session, g.db)


def current_user() -> User | None:
    return cast(User | None, g.get("user"))


def is_admin(user: User | None = None) -> bool:
    user = user if user is not None else current_user()
    if user is None or not user.active:
        return False
    cache: dict[int, bool] = g.setdefault("_admin_cache", {})
    if user.id not in cache:
        cache[user.id] = app_settings().admin_group in group_names(db(), user)
    return cache[user.id]


def _unauthenticated() -> Any:
    if request.blueprint == "api":
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _unauthenticated()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _unauthenticated()
        if not is_admin():
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def require_admin() -> None:
    """Abort 403 unless the caller is an admin (for admin-only fields and actions)."""
    if not is_admin():
        abort(403)


def managed_site_ids(user: User) -> set[int]:
    return set(db().scalars(select(SiteAdmin.site_id).where(SiteAdmin.user_id == user.id)))


def may_manage_site(site_id: int) -> bool:
    user = current_user()
    if user is None or not user.active:
        return False
    if is_admin(user):
        return True
    return site_id in managed_site_ids(user)


def visible_sites() -> Select[Site]:
    """Sites the caller manages (all of them for an admin)."""
    stmt = select(Site)
    if is_admin():
        return stmt
    user = current_user()
    uid = user.id if user else -1
    return stmt.join(SiteAdmin, SiteAdmin.site_id == Site.id).where(SiteAdmin.user_id == uid)


MAX_ID = 2**31 - 1  # ids beyond an INTEGER column cannot exist (and would overflow a driver)


def get_or_404(model: type[T], object_id: int) -> T:
    """A row by primary key, or 404; no permission check (for admin-only views)."""
    if not 0 < object_id <= MAX_ID:
        abort(404)
    obj = db().get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def site_for(site_id: int) -> Site:
    site = get_or_404(Site, site_id)
    if not may_manage_site(site.id):
        abort(404)
    return site


def host_for(host_id: int) -> Host:
    host = get_or_404(Host, host_id)
    if not may_manage_site(host.site_id):
        abort(404)
    return host


def host_category_for(host_category_id: int) -> HostCategory:
    hc = get_or_404(HostCategory, host_category_id)
    host_for(hc.host_id)
    return hc


def host_url_for(url_id: int) -> HostCategoryUrl:
    url = get_or_404(HostCategoryUrl, url_id)
    host_category_for(url.host_category_id)
    return url


def host_item_for(model: type[T], item_id: int, host_id: int | None = None) -> T:
    """A row with a `host_id` (netblock, peer ASN, country, ACL IP, location link).

    When `host_id` comes from the URL too, the row must belong to that host: a form that
    pairs my host with someone else's netblock id gets 404.
    """
    item = get_or_404(model, item_id)
    owner = cast(int, getattr(item, "host_id"))  # noqa: B009 - model is generic
    if host_id is not None and owner != host_id:
        abort(404)
    host_for(owner)
    return item
