"""The web application: admin UI, account pages, JSON API (and the public pages when built).

`create_app(settings, session_factory=...)` builds one Flask app; tests pass a session
bound to their rolled-back transaction. Each request gets one SQLAlchemy session in
`g.db`, closed when the request ends.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import secrets
from collections.abc import Callable
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError, CSRFProtect  # type: ignore[import-untyped]
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, HTTPException

from mirrormanager.db.models import User
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.errors import ManageError
from mirrormanager.formats.json_bounded import JSONTooDeep, loads_bounded
from mirrormanager.logging import get_logger
from mirrormanager.settings import Settings, load_settings
from mirrormanager.web import checks, crumbs, oidc
from mirrormanager.web.permissions import current_user, is_admin
from mirrormanager.web.security import password_fingerprint

log = get_logger(__name__)
csrf = CSRFProtect()
PUBLIC_VIEWS = "mirrormanager.web.public.views"


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BoundedJSONProvider(DefaultJSONProvider):
    """Every `request.get_json` (silent or not) answers 400 for a too-deep document.

    BadRequest is no ValueError, so `get_json(silent=True)` does not swallow it either.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = loads_bounded(s)
        except JSONTooDeep as exc:
            raise BadRequest(str(exc)) from None
        text = s if isinstance(s, str) else s.decode("utf-8", "replace")
        if "\\u0000" in text:  # a NUL in a string: no text column takes it
            raise BadRequest("The JSON document contains a NUL character.")
        return data


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: Callable[[], Session] | None = None,
) -> Flask:
    settings = settings if settings is not None else load_settings().settings
    app = Flask(__name__)
    app.json = BoundedJSONProvider(app)
    secret = settings.secret_key
    if not secret:
        # Sessions still work, but end at every restart and differ between processes.
        log.warning("web.secret_key_missing", hint="set secret_key in production")
        secret = secrets.token_urlsafe(32)
    app.config.update(
        SECRET_KEY=secret,
        MM_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web_session_cookie_secure,
        SESSION_COOKIE_NAME="mm_session",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.web_session_hours),
        MAX_CONTENT_LENGTH=1 << 20,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the signed session
    )
    if session_factory is None:
        session_factory = make_session_factory(make_engine(settings.effective_database_url))
    app.extensions["mm_session_factory"] = session_factory
    # "Check now" crawls in a thread of this process; tests put an inline runner here.
    app.extensions["mm_check_runner"] = checks.thread_runner(session_factory, settings)
    csrf.init_app(app)
    oidc.init_app(app, settings)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_errors(app)
    _register_template_helpers(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from mirrormanager.web.views import (
        account,
        admin_crud,
        admin_dashboard,
        admin_users,
        api,
        api_checks,
        api_manage,
        auth,
        host_checks,
        host_items,
        host_offered,
        hosts,
        sites,
    )

    if importlib.util.find_spec("mirrormanager.web.public") is not None:
        try:
            public = importlib.import_module(PUBLIC_VIEWS)
        except ImportError:
            public = None
        if public is not None and hasattr(public, "bp"):
            app.register_blueprint(public.bp)
    for module in (
        auth,
        account,
        sites,
        hosts,
        host_items,
        admin_dashboard,
        admin_crud,
        admin_users,
        host_checks,
        host_offered,
    ):
        app.register_blueprint(module.bp)
    del api_checks, api_manage  # imported for their routes on api.bp
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies: CSRF does not apply
    from mirrormanager.web.compat import views as compat

    app.register_blueprint(compat.bp)
    # report_mirror sends no cookie; the site password authenticates a check-in.
    csrf.exempt(compat.xmlrpc)
    csrf.exempt(compat.json_checkin)

    @app.get("/")
    def root() -> Any:
        # The public mirror list when it is installed, else the admin UI.
        if "public.index" in app.view_functions:
            return redirect(url_for("public.index"))
        return redirect(url_for("sites.my_sites"))

    @app.get("/-/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}


def _register_request_hooks(app: Flask) -> None:
    factory = app.extensions["mm_session_factory"]

    @app.before_request
    def refuse_nul() -> None:
        # No text column takes a NUL byte (PostgreSQL refuses it with an error, SQLite keeps
        # it): one clear 400 here instead of a 500 from the database later.
        # `next` is exempt: it only ever feeds a redirect, which drops control characters.
        if "\x00" in request.path or any(
            "\x00" in value for key, value in request.args.items(multi=True) if key != "next"
        ):
            abort(400, "The request contains a NUL byte.")
        if request.mimetype in _FORM_TYPES and any(
            "\x00" in value for key, value in request.form.items(multi=True) if key != "next"
        ):
            abort(400, "The form contains a NUL byte.")

    @app.before_request
    def open_session() -> None:
        g.db = factory()
        g.user = _session_user(g.db)

    @app.teardown_request
    def close_session(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _session_user(db: Session) -> User | None:
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    user = db.get(User, uid)
    # A password change (or reset) ends the other sessions of that user.
    if (
        user is None
        or not user.active
        or session.get("pwf") != password_fingerprint(user.password_hash)
    ):
        session.clear()
        return None
    return user


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return render_template("error.html", code=400, message=exc.description), 400

    @app.errorhandler(IntegrityError)
    def conflict(_exc: IntegrityError) -> Any:
        # Two people changing the same thing at once: the second loses, nothing half-done.
        db = g.get("db")
        if db is not None:
            db.rollback()
        message = "Someone changed the same data at the same time; reload and try again."
        if request.blueprint == "api":
            return {"error": "Conflict", "detail": message}, 409
        return render_template("error.html", code=409, message=message), 409

    @app.errorhandler(ManageError)
    def refused(exc: ManageError) -> Any:
        # The service layer's typed refusals: 404 / 403 / 422 / 409, the field named. The
        # services refuse before they change anything, and the request's session closes
        # without a commit.
        if request.blueprint == "api" or request.path.startswith("/api/"):
            return api_error_body(exc), exc.status
        return render_template("error.html", code=exc.status, message=str(exc)), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if exc.code is None or exc.code < 400:
            return exc
        # Keep headers such as Allow (405) and WWW-Authenticate from the exception.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        if request.blueprint == "api" or request.path.startswith("/api/"):
            body: Any = {"error": exc.name, "detail": exc.description}
            return body, exc.code, headers
        html = render_template("error.html", code=exc.code, message=exc.description)
        return html, exc.code, headers


def api_error_body(exc: ManageError) -> dict[str, Any]:
    """The JSON of a refusal: `error` (the message), its `kind`, and the field at fault."""
    body: dict[str, Any] = {"error": str(exc), "kind": type(exc).__name__}
    if exc.field:
        body["field"] = exc.field
        body["fields"] = {exc.field: [exc.message]}
    return body


def _register_template_helpers(app: Flask) -> None:
    settings: Settings = app.config["MM_SETTINGS"]

    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    app.add_template_global(crumbs.for_request, "breadcrumbs_for_request")

    @app.context_processor
    def globals_() -> dict[str, Any]:
        return {
            "current_user": current_user(),
            "is_admin": is_admin() if "db" in g else False,
            "oidc_enabled": oidc.enabled(settings),
            "oidc_provider_name": settings.oidc_provider_name,
            "signup_enabled": settings.web_signup,
            "has_endpoint": has_endpoint,
        }

    @app.template_filter("when")
    def when(value: dt.datetime | None) -> str:
        if value is None:
            return "never"
        return value.strftime("%Y-%m-%d %H:%M UTC")
