"""Public pages: mirror list, usage statistics, propagation, mirror map.

What the blueprint expects from the application (see docs/statistics.md):
- a database session: `g.db` if the app opens one per request, else one made from
  `app.extensions["mm_session_factory"]` (closed at the end of the request);
- optionally `app.config["PUBLIC_CACHE_SECONDS"]` (else setting `public_cache_seconds` of
  `app.config["MM_SETTINGS"]`, else 12 h) and `app.config["PUBLIC_CACHE_CHECK_SECONDS"]`;
- a `base.html` with blocks `title`, `head` and `content`.

Pages are cached whole for anonymous visitors (their HTML is the same for everyone);
plain-text, JSON, CSV and SVG answers are the same for everyone and always cached.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask
from flask import current_app, g, render_template, request, session
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, NotFound

from mirrormanager.settings import Settings
from mirrormanager.stats import propagation as prop
from mirrormanager.stats.mirrors import (
    CONTINENT_NAMES,
    PROTOCOLS,
    Selection,
    as_text,
    choices,
    grouped,
    public_mirrors,
)
from mirrormanager.stats.usage import default_range, usage
from mirrormanager.stats.worldmap import centroids, map_points, render_svg
from mirrormanager.web.public.cache import (
    DEFAULT_CHECK_SECONDS,
    DEFAULT_TTL,
    PageCache,
    data_version,
    invalidate_public_cache,
    register,
)

bp = flask.Blueprint(
    "public",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/public-static",
)
CACHE_KEY = "mm_public_cache"
FORMATS = {"html": "text/html", "txt": "text/plain", "json": "application/json"}
Body = tuple[str | bytes, str]  # (body, mimetype)

__all__ = ["bp", "invalidate_public_cache"]


@bp.record_once
def _setup(state: flask.blueprints.BlueprintSetupState) -> None:
    config = state.app.config
    settings: Settings | None = config.get("MM_SETTINGS")
    # An app without MirrorManager settings (a bare test app) uses the cache's defaults.
    ttl = config.get(
        "PUBLIC_CACHE_SECONDS", settings.public_cache_seconds if settings else DEFAULT_TTL
    )
    check = config.get(
        "PUBLIC_CACHE_CHECK_SECONDS",
        settings.public_cache_check_seconds if settings else DEFAULT_CHECK_SECONDS,
    )
    state.app.extensions[CACHE_KEY] = register(PageCache(float(ttl), float(check)))


def _db() -> Session:
    db = g.get("db")
    if db is None:
        db = g.get("public_db")
        if db is None:
            db = g.public_db = current_app.extensions["mm_session_factory"]()
    return db  # type: ignore[no-any-return]


@bp.teardown_app_request
def _close(_exc: BaseException | None) -> None:
    db = g.pop("public_db", None)
    if db is not None:
        db.close()


def _cache() -> PageCache:
    return current_app.extensions[CACHE_KEY]  # type: ignore[no-any-return]


def _personal() -> bool:
    """The page shows something of this visitor (logged in, a flashed message)."""
    return g.get("user") is not None or bool(session.get("_flashes"))


def cached(view: Callable[..., Body]) -> Callable[..., flask.Response]:
    """Serve from the page cache with Cache-Control and ETag; fill it on a miss."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> flask.Response:
        cache = _cache()
        key = request.full_path
        version = cache.version(lambda: data_version(_db()))
        entry = cache.get(key, version)
        if entry is None:
            body, mimetype = view(*args, **kwargs)
            data = body.encode("utf-8") if isinstance(body, str) else body
            personal = mimetype.startswith("text/html") and _personal()
            if personal:
                response = flask.Response(data, mimetype=mimetype)
                response.headers["Cache-Control"] = "private, no-cache"
                return response
            entry = cache.put(key, version, data, mimetype)
        response = flask.Response(entry.body, mimetype=entry.mimetype)
        response.headers["Cache-Control"] = f"public, max-age={int(cache.ttl)}"
        response.set_etag(entry.etag)
        if entry.mimetype == "application/json":
            response.headers["Access-Control-Allow-Origin"] = "*"
        response.make_conditional(request)
        return response

    return wrapper


def _split_format(selector: str) -> tuple[str, str]:
    for fmt in ("json", "txt", "csv", "svg"):
        if selector.endswith("." + fmt):
            return selector[: -len(fmt) - 1], fmt
    return selector, request.args.get("format", "html")


def _json(data: Any) -> Body:
    return json.dumps(data, sort_keys=True, default=str) + "\n", "application/json"


# --- mirror list ----------------------------------------------------------------------


@bp.get("/mirrors")
@bp.get("/mirrors.<fmt>")
@cached
def index(fmt: str | None = None) -> Body:
    selection = Selection(country=_country_arg())
    return _mirror_list(selection, fmt or request.args.get("format", "html"))


@bp.get("/mirrors/<path:selector>")
@cached
def mirrors(selector: str) -> Body:
    selector, fmt = _split_format(selector.strip("/"))
    parts = [p for p in selector.split("/") if p]
    if not 1 <= len(parts) <= 3:
        raise NotFound()
    product, version, arch = (*parts, None, None)[:3]
    return _mirror_list(Selection(product, version, arch, _country_arg()), fmt)


def _country_arg() -> str | None:
    """``?country=CC`` (MirrorManager2's filter): a two-letter code, any case; "" = all."""
    value = request.args.get("country", "").strip()
    if not value:
        return None
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise BadRequest(f"country must be a two-letter ISO code such as DE, not {value!r}")
    return value.upper()


def _mirror_list(selection: Selection, fmt: str) -> Body:
    if fmt not in FORMATS:
        raise BadRequest(f"unknown format {fmt!r}: html, txt or json")
    db = _db()
    options = choices(db)
    if selection.product and selection.product not in {c.product for c in options}:
        raise NotFound(f"no public product {selection.product!r}")
    rows = public_mirrors(db, selection)
    if fmt == "txt":
        return as_text(rows, selection), "text/plain"
    if fmt == "json":
        chosen = {
            "product": selection.product,
            "version": selection.version,
            "arch": selection.arch,
        }
        if selection.country:
            chosen["country"] = selection.country
        return _json({"selection": chosen, "mirrors": [row.as_dict() for row in rows]})
    base = "/".join(p for p in (selection.product, selection.version, selection.arch) if p)
    return render_template(
        "public/mirrors.html",
        selection=selection,
        options=options,
        groups=grouped(rows),
        total=len(rows),
        countries=len({r.country for r in rows}),
        protocols=[p for p in PROTOCOLS if any(p in row.urls for row in rows)],
        base=base,
        continents=CONTINENT_NAMES,
        country_names={code: name for code, (_, _, name) in centroids().items()},
        query=f"?country={selection.country}" if selection.country else "",
    ), "text/html"


# --- statistics -----------------------------------------------------------------------


def _date_arg(name: str) -> dt.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD), not {value!r}") from None


@bp.get("/statistics")
@bp.get("/statistics.<fmt>")
@cached
def statistics(fmt: str = "html") -> Body:
    fmt = request.args.get("format", fmt)
    db = _db()
    day = _date_arg("day")
    start, end = _date_arg("start"), _date_arg("end")
    if day is not None:
        start = end = day
    if start is None or end is None:
        default_start, default_end = default_range(db)
        end = end or default_end
        start = start or min(default_start, end)
    data = usage(db, start, end)
    if fmt == "json":
        return _json(data.as_dict())
    if fmt == "csv":
        return data.as_csv(), "text/csv"
    if fmt != "html":
        raise BadRequest(f"unknown format {fmt!r}: html, json or csv")
    return render_template(
        "public/statistics.html", usage=data, chart_data=json.dumps(data.as_dict())
    ), "text/html"


# --- propagation ----------------------------------------------------------------------


@bp.get("/propagation")
@bp.get("/propagation.<fmt>")
@cached
def propagation(fmt: str = "html") -> Body:
    fmt = request.args.get("format", fmt)
    db = _db()
    tracked = prop.tracked_repositories(db)
    days = request.args.get("days", default=14, type=int) or 14
    days = max(1, min(days, 400))
    chosen = request.args.get("repo", type=int)
    repository = next((t for t in tracked if t.id == chosen), None)
    if repository is None and tracked:
        repository = max(tracked, key=lambda t: (t.samples, t.last))
    points: list[dict[str, Any]] = []
    if repository is not None:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        points = prop.history(db, repository.id, since)
    slow = prop.slowest_hosts(db)
    if fmt == "json":
        return _json(
            {
                "repositories": [
                    {"id": t.id, "prefix": t.prefix, "name": t.name, "samples": t.samples}
                    for t in tracked
                ],
                "repository": repository.id if repository else None,
                "days": days,
                "history": points,
                "slowest": [
                    {"host": s.host, "site": s.site, "country": s.country, "seconds": s.seconds}
                    for s in slow
                ],
            }
        )
    if fmt != "html":
        raise BadRequest(f"unknown format {fmt!r}: html or json")
    return render_template(
        "public/propagation.html",
        tracked=tracked,
        repository=repository,
        days=days,
        chart_data=json.dumps({"history": points, "buckets": list(prop.BUCKETS)}),
        slow=slow,
    ), "text/html"


# --- map ------------------------------------------------------------------------------


@bp.get("/map")
@cached
def map() -> Body:
    return render_template("public/map.html"), "text/html"


@bp.get("/map.json")
@cached
def map_json() -> Body:
    points = map_points(public_mirrors(_db()))
    return _json({"mirrors": [p.as_dict() for p in points]})


@bp.get("/map.svg")
@cached
def map_svg() -> Body:
    return render_svg(map_points(public_mirrors(_db()))), "image/svg+xml"
