"""MirrorManager2's URLs as a blueprint: answers in its shapes, redirects to our pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from mirrormanager.checkin.handler import CheckinHandler
from mirrormanager.crawler.hostlog import read_crawl_log
from mirrormanager.db.models import Host
from mirrormanager.db.throttle import ThrottlePolicy
from mirrormanager.settings import Settings
from mirrormanager.web.compat import queries
from mirrormanager.web.compat.rsync_filter import rsync_filter
from mirrormanager.web.helpers import app_settings, request_client
from mirrormanager.web.permissions import db, get_or_404, is_admin, may_manage_site

bp = Blueprint("compat", __name__)
HANDLER_KEY = "mm_checkin_handler"

# MirrorManager2's statistics categories → the chart of ours that shows the same thing.
STATISTICS_ANCHORS = {
    "countries": "chart-countries",
    "archs": "chart-arches",
    "repositories": "chart-repositories",
}


@bp.record_once
def _setup(state: Any) -> None:
    app = state.app
    settings: Settings = app.config["MM_SETTINGS"]
    app.extensions[HANDLER_KEY] = CheckinHandler(
        app.extensions["mm_session_factory"],
        max_bytes=settings.checkin_max_bytes,
        max_document_bytes=settings.checkin_max_document_bytes,
        max_directories=settings.checkin_max_directories,
        min_interval=settings.checkin_min_interval,
        throttle=ThrottlePolicy.from_settings(settings),
    )


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


@bp.get("/rsyncFilter")
@bp.get("/rsyncFilter/")
def rsync_filter_view() -> Response:
    args = request.args
    body = rsync_filter(db(), args.get("categories"), args.get("since"), args.get("stripprefix"))
    return _text(body)


@bp.get("/api/mirroradmins")
@bp.get("/api/mirroradmins/")
def mirroradmins() -> Any:
    name = request.args.get("name")
    admin = is_admin()
    if not name:
        admins = queries.site_admin_names(db(), include_private=admin)
    else:
        found = queries.admins_of(db(), name, include_private=admin)
        if found is None:
            return {"message": f"No host or site found for {name}"}, 400
        admins = found
    return {"total": len(admins), "admins": admins}


@bp.get("/api/repositories")
@bp.get("/api/repositories/")
def repositories() -> Any:
    repos = queries.repositories(db())
    return {"total": len(repos), "repositories": repos}


@bp.get("/crawler/<int:host_id>.log")
def crawler_log(host_id: int) -> Response:
    host = get_or_404(Host, host_id)
    public = not host.private and not host.site.private
    # A private host's log names its private URLs: only its own admins may read it.
    if not public and not may_manage_site(host.site_id):
        abort(404)
    text = read_crawl_log(app_settings(), host.id)
    if not text:
        abort(404, f"no crawl log for host {host.id} yet")
    response = _text(text)
    response.headers["Cache-Control"] = "no-cache" if public else "private, no-cache"
    return response


@bp.get("/map/mirrors_location.txt")
def mirrors_location() -> Response:
    icon = url_for("public.static", filename="vendor/leaflet/images/marker-icon.png")
    return _text(queries.render_locations(queries.mirror_locations(db()), icon))


def _checkin_body(handler: CheckinHandler) -> bytes | None:
    """The request body, or None when it is over the check-in limit."""
    declared = request.content_length
    if declared is not None and declared > handler.max_bytes:
        return None
    # The app-wide 1 MiB form limit does not apply here; these endpoints have their own.
    request.max_content_length = handler.max_bytes
    body = request.stream.read(handler.max_bytes + 1)
    return None if len(body) > handler.max_bytes else body


@bp.post("/xmlrpc")
def xmlrpc() -> Response:
    """report_mirror's check-in, exactly as `serve-checkin` answers it (CSRF-exempt: no
    cookies, the site password authenticates)."""
    handler: CheckinHandler = current_app.extensions[HANDLER_KEY]
    body = _checkin_body(handler)
    if body is None:
        return _text(handler.too_large(), 413)
    answer = handler.xmlrpc(body, request_client())
    return Response(
        answer.body, status=answer.status, mimetype=answer.media_type, headers=answer.headers
    )


@bp.post("/api/checkin")
def json_checkin() -> Response:
    """The same check-in as plain JSON, as `serve-checkin` offers it."""
    handler: CheckinHandler = current_app.extensions[HANDLER_KEY]
    body = _checkin_body(handler)
    answer = handler.json_too_large() if body is None else handler.json(body, request_client())
    return Response(
        answer.body, status=answer.status, mimetype=answer.media_type, headers=answer.headers
    )


# --- redirects to our pages -------------------------------------------------------------


def _to(endpoint: str, **values: Any) -> BaseResponse:
    return redirect(url_for(endpoint, **values), code=302)


@bp.get("/maps")
@bp.get("/maps/")
@bp.get("/maps/interactive")
def maps() -> BaseResponse:
    return _to("public.map")


@bp.get("/statistics/<date>")
@bp.get("/statistics/<date>/<category>")
def statistics(date: str, category: str = "countries") -> BaseResponse:
    try:
        day: str | None = dt.date.fromisoformat(date).isoformat()
    except ValueError:
        day = None  # MirrorManager2 shows today for a bad date; ours shows its default
    anchor = STATISTICS_ANCHORS.get(category, STATISTICS_ANCHORS["countries"])
    target = url_for("public.statistics", day=day) if day else url_for("public.statistics")
    return redirect(f"{target}#{anchor}", code=302)


@bp.get("/propgation")
@bp.get("/propgation/")
@bp.get("/propagation/")
def propagation_all() -> BaseResponse:
    return _to("public.propagation")


@bp.get("/propagation/<int:repo_id>")
def propagation(repo_id: int) -> BaseResponse:
    return _to("public.propagation", repo=repo_id)


@bp.get("/site/mine")
@bp.get("/admin/all_sites")
def my_sites() -> BaseResponse:
    return _to("sites.my_sites")


@bp.get("/site/<int:site_id>")
def site(site_id: int) -> BaseResponse:
    return _to("sites.show", site_id=site_id)


@bp.get("/host/<int:host_id>")
def host(host_id: int) -> BaseResponse:
    return _to("hosts.show", host_id=host_id)
