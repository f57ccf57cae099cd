"""Who may see and change what, for the web UI and the API: the request's side of
`manage.access` (the one matrix the CLI uses too).

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
from sqlalchemy import Select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Host, HostCategory, HostCategoryUrl, Site, User
from mirrormanager.manage import access
from mirrormanager.manage.actor import Actor, Via
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


def actor() -> Actor:
    """The caller as the service layer sees it (`manage.actor`), built once per request."""
    cached = g.get("_actor")
    if cached is not None:
        return cast(Actor, cached)
    user = current_user()
    settings = app_settings()
    via: Via = "api" if request.blueprint == "api" else "web"
    found = Actor(
        user,
        is_admin(user) if user is not None else False,
        via,
        settings.web_netblock_max_prefix_v4,
        settings.web_netblock_max_prefix_v6,
    )
    g._actor = found
    return found


def may_manage_site(site_id: int) -> bool:
    return access.may_manage_site(db(), actor(), site_id)


def visible_sites() -> Select[Site]:
    """Sites the caller manages (all of them for an admin)."""
    return access.visible_sites(actor())


MAX_ID = access.MAX_ID


def get_or_404(model: type[T], object_id: int) -> T:
    """A row by primary key, or 404; no permission check (for admin-only views)."""
    if not 0 < object_id <= MAX_ID:
        abort(404)
    obj = db().get(model, object_id)
    if obj is None:
        abort(404)
    return obj


# The loaders below raise NotFound (→ 404) through the app's ManageError handler.
def site_for(site_id: int) -> Site:
    return access.site(db(), actor(), site_id)


def host_for(host_id: int) -> Host:
    return access.host(db(), actor(), host_id)


def host_category_for(host_category_id: int) -> HostCategory:
    return access.host_category(db(), actor(), host_category_id)


def host_url_for(url_id: int) -> HostCategoryUrl:
    return access.host_url(db(), actor(), url_id)


def host_item_for(model: type[T], item_id: int, host_id: int | None = None) -> T:
    """A row with a `host_id` (netblock, peer ASN, country, ACL IP, location link)."""
    return access.host_item(db(), actor(), model, item_id, host_id)
