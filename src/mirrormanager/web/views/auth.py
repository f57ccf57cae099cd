"""Log in and out, sign up, confirm e-mail, reset a forgotten password, OIDC login."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from mirrormanager.db import throttle
from mirrormanager.db.base import utcnow
from mirrormanager.db.models import User
from mirrormanager.errors import InputError
from mirrormanager.notify.mail import send_mail
from mirrormanager.web import accounts, audit, oidc
from mirrormanager.web.forms import LoginForm, ResetForm, ResetRequestForm, SignupForm, text
from mirrormanager.web.helpers import app_settings, request_client
from mirrormanager.web.permissions import db
from mirrormanager.web.security import (
    EmailTokens,
    hash_password,
    password_fingerprint,
    verify_password,
)

bp = Blueprint("auth", __name__)
# A constant hash so an unknown user name costs as much time as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def tokens() -> EmailTokens:
    hours = app_settings().web_token_max_age_hours
    return EmailTokens(current_app.config["SECRET_KEY"], hours * 3600)


def _safe_next(target: str | None) -> str:
    # A control character (CR/LF would split the Location header) means "no next".
    if target and not any(unicodedata.category(c) == "Cc" for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("sites.my_sites")


def _external(endpoint: str, **values: Any) -> str:
    base = str(app_settings().web_base_url).rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def log_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["pwf"] = password_fingerprint(user.password_hash)
    user.last_login = utcnow()


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        keys = [("login-user", text(form.username)), ("login-addr", request_client())]
        # Refused before any argon2 hash: guessing must not cost the server CPU.
        wait = throttle.retry_after(db(), keys)
        if wait:
            flash(f"Too many failed logins; try again in {wait} s.", "error")
            page = render_template("auth/login.html", f=form)
            return page, 429, {"Retry-After": str(wait)}
        user = accounts.find_user(db(), text(form.username))
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, text(form.password))
        if user is None or not ok or not user.active:
            policy = throttle.ThrottlePolicy.from_settings(app_settings())
            throttle.record_failure(db(), keys, policy)
            db().commit()
            flash("Wrong user name or password.", "error")
        elif user.email and not user.email_confirmed and app_settings().web_signup:
            flash("Please confirm your e-mail address first; we sent you a link.", "warning")
        else:
            # Only the account is reset: resetting the address would let anyone with one
            # valid account keep guessing others' passwords from it.
            throttle.clear(db(), keys[:1])
            log_in(user)
            db().commit()
            flash(f"Welcome, {user.display_name or user.username}.", "success")
            return redirect(_safe_next(form.next.data))
    return render_template("auth/login.html", f=form)


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    if not app_settings().web_signup:
        abort(404)
    form = SignupForm()
    if form.validate_on_submit():
        taken = db().scalar(select(User).where(User.email == form.email.data))
        try:
            if taken is not None:
                raise InputError("An account with this e-mail address exists already.")
            user = accounts.create_user(
                db(), text(form.username), email=form.email.data, password=text(form.password)
            )
        except InputError as exc:
            flash(exc.message, "error")
        else:
            audit.record(db(), user, "signup", user, f"signed up as {user.username}")
            db().commit()
            link = _external("auth.confirm", token=tokens().make("confirm", {"uid": user.id}))
            send_mail(
                app_settings(),
                text(form.email),
                "Confirm your MirrorManager account",
                f"Open this link to confirm your account {user.username}:\n\n{link}\n",
            )
            flash("Account created. Check your e-mail for the confirmation link.", "success")
            return redirect(url_for("auth.login"))
    return render_template("form_page.html", f=form, title="Sign up", submit="Create account")


@bp.get("/confirm/<token>")
def confirm(token: str) -> Response:
    data = tokens().load("confirm", token)
    user = db().get(User, data.get("uid")) if data else None
    if user is None:
        flash("This confirmation link is invalid or has expired.", "error")
        return redirect(url_for("auth.login"))
    user.email_confirmed = True
    audit.record(db(), user, "confirm_email", user, f"{user.username} confirmed the e-mail")
    db().commit()
    flash("E-mail address confirmed; you can log in now.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request() -> Any:
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = db().scalar(select(User).where(User.email == form.email.data))
        if user is not None and user.active:
            token = tokens().make(
                "reset", {"uid": user.id, "pwf": password_fingerprint(user.password_hash)}
            )
            send_mail(
                app_settings(),
                text(form.email),
                "Reset your MirrorManager password",
                f"Open this link to choose a new password for {user.username}:\n\n"
                f"{_external('auth.reset', token=token)}\n\nIgnore this mail if you did "
                "not ask for it.",
            )
        # The same answer whether or not the address is known: no account enumeration.
        flash("If the address belongs to an account, a reset link is on its way.", "success")
        return redirect(url_for("auth.login"))
    return render_template(
        "form_page.html", f=form, title="Forgot your password?", submit="Send reset link"
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    data = tokens().load("reset", token)
    user = db().get(User, data.get("uid")) if data else None
    if user is None or data is None or data.get("pwf") != password_fingerprint(user.password_hash):
        flash("This reset link is invalid, used or expired.", "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        accounts.set_password(user, text(form.password))
        user.email_confirmed = True  # the link proved the address
        audit.record(db(), user, "reset_password", user, f"{user.username} reset the password")
        db().commit()
        flash("Password changed; log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return render_template("form_page.html", f=form, title="Choose a new password")


@bp.get("/login/oidc")
def oidc_login() -> Any:
    if not oidc.enabled(app_settings()):
        abort(404)
    session["oidc_next"] = _safe_next(request.args.get("next"))
    try:
        return oidc.authorize_redirect(_external("auth.oidc_callback"))
    except Exception as exc:  # discovery failed: the provider is down or misconfigured
        current_app.logger.warning("OIDC provider unreachable: %s", exc)
        flash("The identity provider cannot be reached; try again later.", "error")
        return redirect(url_for("auth.login"))


@bp.get("/login/oidc/callback")
def oidc_callback() -> Any:
    settings = app_settings()
    if not oidc.enabled(settings):
        abort(404)
    try:
        claims = oidc.finish_login()
    except Exception as exc:
        current_app.logger.warning("OIDC login failed: %s", exc)
        flash("Login with the identity provider failed.", "error")
        return redirect(url_for("auth.login"))
    username = str(claims.get("preferred_username") or claims.get("nickname") or "")
    if not username:
        username = str(claims.get("sub", ""))
    user = accounts.find_user(db(), username[:100])
    if user is None:
        try:
            user = accounts.create_user(
                db(),
                username[:100],
                email=claims.get("email"),
                display_name=claims.get("name"),
                email_confirmed=bool(claims.get("email_verified", True)),
            )
        except InputError as exc:
            flash(f"Cannot create an account: {exc.message}", "error")
            return redirect(url_for("auth.login"))
        audit.record(db(), user, "signup_oidc", user, f"{user.username} created by OIDC login")
    if not user.active:
        flash("This account is disabled.", "error")
        return redirect(url_for("auth.login"))
    groups = oidc.groups_from_claims(claims, settings.oidc_groups_claim)
    accounts.sync_groups(db(), user, groups)
    next_url = session.get("oidc_next")
    log_in(user)
    db().commit()
    flash(f"Welcome, {user.display_name or user.username}.", "success")
    return redirect(_safe_next(next_url))
