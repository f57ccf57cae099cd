"""JSON API under /api/v1: a public mirror listing, and token-authenticated management of
the caller's sites and hosts through the service layer (`mirrormanager.manage`), with the
web UI's permissions. Sites, site admins, categories carried, host items and tokens are in
`api_manage.py` (same blueprint)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from mirrormanager.core.host_state import HostState
from mirrormanager.db import throttle
from mirrormanager.db.base import utcnow
from mirrormanager.db.models import ApiToken, Host, Site, User
from mirrormanager.db.models.mirrors import host_is_active
from mirrormanager.manage import access, carried, fields, hosts, present, tokens
from mirrormanager.web import host_health
from mirrormanager.web.api_schema import openapi_document
from mirrormanager.web.helpers import app_settings, request_client
from mirrormanager.web.permissions import (
    actor,
    db,
    host_for,
    host_url_for,
    login_required,
    site_for,
)
from mirrormanager.web.security import hash_api_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 500
HOST_FIELDS = tuple(fields.HOST_FIELDS)
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _count_bad_token(keys: list[tuple[str, str]]) -> None:
    """Per address only: an unknown token names no account."""
    policy = throttle.ThrottlePolicy.from_settings(app_settings())
    throttle.record_failure(db(), keys, policy)
    db().commit()


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
    if row is None:
        _count_bad_token(keys)
        abort(401, "The token is unknown or revoked.")
    now = utcnow()
    problem = tokens.token_problem(row, now)
    if problem:
        _count_bad_token(keys)
        abort(401, problem)
    user = db().get(User, row.user_id)
    if user is None or not user.active:
        abort(401, "The token's account is disabled.")
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
        .where(Host.private.is_(False), Site.private.is_(False), *host_is_active())
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
        # Checked before it reaches SQL: PostgreSQL refuses a NUL in a text parameter.
        if len(country) != 2 or not (country.isascii() and country.isalpha()):
            abort(400, "country must be a two-letter ISO 3166 code")
        stmt = stmt.where(Host.country == country)
    hosts = db().scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "page": page,
        "per_page": per_page,
        "mirrors": [_host_json(h, public=True) for h in hosts],
    }


def _host_json(host: Host, *, public: bool, state: HostState | None = None) -> dict[str, Any]:
    data = present.host_dict(db(), host, public=public)
    if state is not None:
        data["state"] = state.as_dict()  # the web UI's one state (core.host_state)
    return data


@bp.get("/hosts")
@login_required
def my_hosts() -> dict[str, Any]:
    unknown = sorted(set(request.args) - {"site_id"})
    if unknown:
        abort(400, f"Unknown query parameters: {', '.join(unknown)}")
    stmt = access.visible_hosts(actor()).order_by(Host.name)
    if "site_id" in request.args:
        stmt = stmt.where(Host.site_id == _int_arg("site_id", 0, 1, access.MAX_ID))
    rows = db().scalars(present.with_host_details(stmt)).all()
    states = host_health.for_viewer(rows)
    listed = present.host_dicts(db(), rows, public=False)
    for data in listed:
        data["state"] = states[data["id"]].as_dict()  # the web UI's one state
    return {"hosts": listed}


@bp.get("/hosts/<int:host_id>")
@login_required
def get_host(host_id: int) -> dict[str, Any]:
    host = host_for(host_id)
    return _host_json(host, public=False, state=host_health.for_viewer([host])[host.id])


def payload(allowed: Iterable[str]) -> dict[str, Any]:
    """The request's JSON object; 400 for anything else or a field not in `allowed`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object.")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        abort(400, f"Unknown fields: {', '.join(map(str, unknown))}")
    return data


@bp.post("/sites/<int:site_id>/hosts")
@login_required
def create_host(site_id: int) -> Any:
    site = site_for(site_id)
    host = hosts.create_host(db(), actor(), site, payload(HOST_FIELDS))
    db().commit()
    return _host_json(host, public=False), 201


@bp.patch("/hosts/<int:host_id>")
@login_required
def update_host(host_id: int) -> Any:
    host = host_for(host_id)
    hosts.edit_host(db(), actor(), host, payload(HOST_FIELDS))
    db().commit()
    return _host_json(host, public=False)


@bp.delete("/hosts/<int:host_id>")
@login_required
def delete_host(host_id: int) -> Any:
    hosts.delete_host(db(), actor(), host_for(host_id))
    db().commit()
    return "", 204


@bp.post("/hosts/<int:host_id>/urls")
@login_required
def add_url(host_id: int) -> Any:
    host = host_for(host_id)
    data = payload(("category", "url", "private"))
    name = data.get("category")
    if not isinstance(name, str):
        return _error(422, "Send category (string), url (string) and private (boolean).")
    category = carried.category(db(), actor(), name)
    row = carried.add_url(
        db(), actor(), host, category, data.get("url", ""), private=data.get("private", False)
    )
    db().commit()
    return {"id": row.id, "url": row.url, "private": row.private, "category": category.name}, 201


@bp.delete("/urls/<int:url_id>")
@login_required
def delete_url(url_id: int) -> Any:
    carried.remove_url(db(), actor(), host_url_for(url_id))
    db().commit()
    return "", 204
