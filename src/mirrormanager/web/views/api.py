"""JSON API under /api/v1: a public mirror listing, and token-authenticated management of
the caller's own hosts and URLs. Permissions are the web UI's (`permissions.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from mirrormanager.core.host_state import HostState
from mirrormanager.db import throttle
from mirrormanager.db.base import utcnow
from mirrormanager.db.models import (
    ApiToken,
    Category,
    Host,
    HostCategory,
    HostCategoryUrl,
    Site,
    User,
)
from mirrormanager.web import audit, host_health
from mirrormanager.web.api_schema import openapi_document
from mirrormanager.web.forms import HostForm
from mirrormanager.web.helpers import app_settings, request_client
from mirrormanager.web.permissions import (
    current_user,
    db,
    host_for,
    host_url_for,
    is_admin,
    login_required,
    site_for,
    visible_sites,
)
from mirrormanager.web.security import hash_api_token
from mirrormanager.web.validation import mirror_url_problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 500
HOST_FIELDS = (
    "name",
    "country",
    "bandwidth_int",
    "max_connections",
    "private",
    "internet2",
    "internet2_clients",
    "asn",
    "asn_clients",
    "latitude",
    "longitude",
    "robot_email",
    "comment",
    "user_active",
)
ADMIN_HOST_FIELDS = ("admin_active", "disable_reason")
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@bp.before_request
def token_user() -> None:
    """The API ignores the session cookie: only a token authenticates (so no CSRF)."""
    g.user = None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return
    keys = [("token-addr", request_client())]
    wait = throttle.retry_after(db(), keys)
    if wait:
        abort(_throttled(wait))
    row = db().scalar(select(ApiToken).where(ApiToken.token_hash == hash_api_token(token.strip())))
    if row is None or row.revoked_at is not None:
        # Per address only: an unknown token names no account.
        policy = throttle.ThrottlePolicy.from_settings(app_settings())
        throttle.record_failure(db(), keys, policy)
        db().commit()
        abort(401, "The token is unknown or revoked.")
    user = db().get(User, row.user_id)
    if user is None or not user.active:
        abort(401, "The token's account is disabled.")
    now = utcnow()
    last = row.last_used
    if last is None or now - _aware(last) > LAST_USED_RESOLUTION:
        row.last_used = now  # at most one write a minute per token
        db().commit()
    g.user = user


def _throttled(wait: int) -> Response:
    response = _error(
        429, "Too Many Requests", detail=f"Too many bad tokens; try again in {wait} s."
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document()


def _public_hosts() -> Any:
    return (
        select(Host)
        .join(Site, Site.id == Host.site_id)
        .where(
            Host.private.is_(False),
            Host.admin_active.is_(True),
            Host.user_active.is_(True),
            Site.private.is_(False),
            Site.admin_active.is_(True),
            Site.user_active.is_(True),
        )
        .order_by(Host.country, Host.name)
    )


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        abort(400, f"{name} must be an integer")
    if not low <= value <= high:
        abort(400, f"{name} must be between {low} and {high}")
    return value


@bp.get("/mirrors")
def mirrors() -> dict[str, Any]:
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", 100, 1, MAX_PER_PAGE)
    stmt = _public_hosts()
    country = request.args.get("country", "").strip().upper()
    if country:
        stmt = stmt.where(Host.country == country[:2])
    hosts = db().scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "page": page,
        "per_page": per_page,
        "mirrors": [_host_json(h, public=True) for h in hosts],
    }


def _host_json(host: Host, *, public: bool, state: HostState | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": host.id,
        "site": host.site.name,
        "name": host.name,
        "country": host.country,
        "bandwidth": host.bandwidth_int,
        "internet2": host.internet2,
        "last_crawled": host.last_crawled.isoformat() if host.last_crawled else None,
        "categories": [
            {
                "category": hc.category.name,
                "urls": [u.url for u in hc.urls if not (public and u.private)],
            }
            for hc in sorted(host.categories, key=lambda hc: hc.category.name)
        ],
    }
    if not public:
        data.update({name: getattr(host, name) for name in (*HOST_FIELDS, *ADMIN_HOST_FIELDS)})
        data["site_id"] = host.site_id
        data["urls"] = [
            {"id": u.id, "url": u.url, "private": u.private, "category": hc.category.name}
            for hc in host.categories
            for u in hc.urls
        ]
    if state is not None:
        data["state"] = state.as_dict()
    return data


@bp.get("/hosts")
@login_required
def my_hosts() -> dict[str, Any]:
    site_ids = select(visible_sites().subquery().c.id)
    hosts = db().scalars(select(Host).where(Host.site_id.in_(site_ids)).order_by(Host.name)).all()
    states = host_health.for_viewer(hosts)
    return {"hosts": [_host_json(h, public=False, state=states[h.id]) for h in hosts]}


@bp.get("/hosts/<int:host_id>")
@login_required
def get_host(host_id: int) -> dict[str, Any]:
    host = host_for(host_id)
    return _host_json(host, public=False, state=host_health.for_viewer([host])[host.id])


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object.")
    return data


def _host_form(data: dict[str, Any], base: Host | None) -> tuple[HostForm, dict[str, Any]]:
    allowed = set(HOST_FIELDS) | set(ADMIN_HOST_FIELDS)
    unknown = sorted(set(data) - allowed)
    if unknown:
        abort(400, f"Unknown fields: {', '.join(unknown)}")
    if not is_admin() and set(data) & set(ADMIN_HOST_FIELDS):
        abort(403, "admin_active and disable_reason are for admins.")
    merged: dict[str, Any] = {}
    if base is not None:
        merged.update({name: getattr(base, name) for name in allowed})
    merged.update(data)
    formdata: MultiDict[str, str] = MultiDict()
    for name, value in merged.items():
        if isinstance(value, bool):
            if value:
                formdata[name] = "y"
        elif value is not None:
            formdata[name] = str(value)
    form = HostForm(formdata=formdata, meta={"csrf": False})
    if not is_admin():
        del form.admin_active
        del form.disable_reason
    return form, merged


def _form_errors(form: HostForm) -> Response:
    return _error(422, "Invalid fields.", fields={k: v for k, v in form.errors.items()})


def _host_values(form: HostForm) -> dict[str, Any]:
    values = {name: getattr(form, name).data for name in HOST_FIELDS}
    values["robot_email"] = values["robot_email"] or None
    values["comment"] = values["comment"] or None
    if is_admin():
        values["admin_active"] = form.admin_active.data
        values["disable_reason"] = form.disable_reason.data or None
    return values


@bp.post("/sites/<int:site_id>/hosts")
@login_required
def create_host(site_id: int) -> Any:
    site = site_for(site_id)
    data = _payload()
    data.setdefault("user_active", True)
    data.setdefault("asn_clients", True)
    data.setdefault("bandwidth_int", 100)
    data.setdefault("max_connections", 1)
    form, _ = _host_form(data, None)
    if not form.validate():
        return _form_errors(form)
    values = _host_values(form)
    if db().scalar(select(Host.id).where(Host.site_id == site.id, Host.name == values["name"])):
        return _error(409, "This site has a host of this name already.")
    host = Host(site_id=site.id, **values)
    db().add(host)
    db().flush()
    audit.record(db(), current_user(), "create", host, f"host {host.name} created (API)")
    db().commit()
    return _host_json(host, public=False), 201


@bp.patch("/hosts/<int:host_id>")
@login_required
def update_host(host_id: int) -> Any:
    host = host_for(host_id)
    form, _ = _host_form(_payload(), host)
    if not form.validate():
        return _form_errors(form)
    values = _host_values(form)
    clash = db().scalar(
        select(Host.id).where(
            Host.site_id == host.site_id, Host.name == values["name"], Host.id != host.id
        )
    )
    if clash:
        return _error(409, "This site has a host of this name already.")
    changed = audit.changes(host, values)
    if changed:
        audit.record(
            db(), current_user(), "update", host, f"host {host.name} edited (API)", changes=changed
        )
    db().commit()
    return _host_json(host, public=False)


@bp.post("/hosts/<int:host_id>/urls")
@login_required
def add_url(host_id: int) -> Any:
    host = host_for(host_id)
    data = _payload()
    name, url, private = data.get("category"), data.get("url"), data.get("private", False)
    if not isinstance(name, str) or not isinstance(url, str) or not isinstance(private, bool):
        return _error(422, "Send category (string), url (string) and private (boolean).")
    category = db().scalar(select(Category).where(Category.name == name))
    if category is None or (category.admin_only and not is_admin()):
        return _error(422, f"Unknown category {name!r}.")
    url = url.strip()
    problem = mirror_url_problem(url, category.topdir.name if category.topdir else None)
    if problem:
        return _error(422, problem, fields={"url": [problem]})
    if db().scalar(select(HostCategoryUrl.id).where(HostCategoryUrl.url == url)):
        return _error(409, "This URL is registered already.")
    hc = db().scalar(
        select(HostCategory).where(
            HostCategory.host_id == host.id, HostCategory.category_id == category.id
        )
    )
    if hc is None:
        hc = HostCategory(host_id=host.id, category_id=category.id)
        db().add(hc)
        db().flush()
    row = HostCategoryUrl(host_category_id=hc.id, url=url, private=private)
    db().add(row)
    db().flush()
    audit.record(
        db(),
        current_user(),
        "create",
        row,
        f"URL {url} added to {host.name} ({category.name}) (API)",
        host_id=host.id,
    )
    db().commit()
    return {"id": row.id, "url": row.url, "private": row.private, "category": category.name}, 201


@bp.delete("/urls/<int:url_id>")
@login_required
def delete_url(url_id: int) -> Any:
    row = host_url_for(url_id)
    audit.record(db(), current_user(), "delete", row, f"URL {row.url} removed (API)")
    db().delete(row)
    db().commit()
    return "", 204
