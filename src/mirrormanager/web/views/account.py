"""The logged-in user's own account: profile, password, API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from mirrormanager.db.models import ApiToken, User
from mirrormanager.manage import tokens
from mirrormanager.web import audit
from mirrormanager.web.accounts import group_names, set_password
from mirrormanager.web.forms import ApiTokenForm, PasswordChangeForm, ProfileForm, add_error, text
from mirrormanager.web.permissions import actor, current_user, db, login_required
from mirrormanager.web.security import verify_password
from mirrormanager.web.views.auth import log_in

bp = Blueprint("account", __name__, url_prefix="/account")


def _me() -> User:
    user = current_user()
    assert user is not None  # login_required ran
    return user


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    user = _me()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        changed = audit.changes(
            user, {"email": form.email.data or None, "display_name": form.display_name.data or None}
        )
        if changed:
            audit.record(
                db(), user, "update", user, f"{user.username} edited the profile", changes=changed
            )
            db().commit()
        flash("Profile saved.", "success")
        return redirect(url_for("account.profile"))
    tokens = (
        db()
        .scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at))
        .all()
    )
    return render_template(
        "account/profile.html",
        f=form,
        tokens=tokens,
        token_form=ApiTokenForm(prefix="token"),
        groups=sorted(group_names(db(), user)),
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    user = _me()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if user.password_hash and not verify_password(user.password_hash, text(form.current)):
            add_error(form.current, "This is not your current password.")
        else:
            set_password(user, text(form.password))
            audit.record(db(), user, "change_password", user, f"{user.username} changed password")
            log_in(user)  # keep this session; the others end (fingerprint changed)
            db().commit()
            flash("Password changed.", "success")
            return redirect(url_for("account.profile"))
    skip = () if _me().password_hash else ("current",)
    return render_template("form_page.html", f=form, title="Change password", skip=skip)


@bp.post("/tokens")
@login_required
def create_token() -> Any:
    user = _me()
    form = ApiTokenForm(prefix="token")
    if not form.validate_on_submit():
        flash("Give the token a name (and, to make it expire, 1 to 3650 days).", "error")
        return redirect(url_for("account.profile"))
    token, row = tokens.create_token(
        db(), actor(), user, text(form.name), expires_days=form.expires_days.data
    )
    db().commit()
    return render_template("account/token_created.html", token=token, row=row)


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_token(token_id: int) -> Any:
    row = tokens.token(db(), actor(), token_id)
    if row.user_id != _me().id:
        abort(404)  # admins revoke other users' tokens from the CLI, not from this page
    if request.method == "GET":
        return render_template(
            "confirm.html",
            title="Revoke API token",
            question=f"Revoke the token {row.name!r}? Scripts using it stop working.",
            action_label="Revoke",
            cancel_url=url_for("account.profile"),
        )
    if tokens.revoke_token(db(), actor(), row):
        db().commit()
    flash("Token revoked.", "success")
    return _back()


def _back() -> Response:
    return redirect(url_for("account.profile"))
