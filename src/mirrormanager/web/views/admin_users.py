"""Admin pages for user accounts and their group memberships."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from mirrormanager.db.models import Site, SiteAdmin, User
from mirrormanager.web import accounts, audit
from mirrormanager.web.forms import EMAIL, BaseForm, add_error, text
from mirrormanager.web.helpers import confirm_page, paginate
from mirrormanager.web.permissions import admin_required, current_user, db, get_or_404

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


class UserEditForm(BaseForm):
    email = StringField("E-mail", [Optional(), Length(max=255), EMAIL])
    display_name = StringField("Display name", [Optional(), Length(max=255)])
    active = BooleanField("Active (may log in)")
    email_confirmed = BooleanField("E-mail confirmed")


class MembershipForm(BaseForm):
    group = StringField("Group", [DataRequired(), Length(max=100)])


def _user(user_id: int) -> User:
    return get_or_404(User, user_id)


@bp.get("/")
@admin_required
def index() -> str:
    page = paginate(
        db(),
        select(User).order_by(User.username),
        search=[User.username, User.email, User.display_name],
    )
    return render_template("admin/users.html", page=page)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int) -> Any:
    user = _user(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        me = current_user()
        if me is not None and user.id == me.id and not form.active.data:
            add_error(form.active, "You cannot disable your own account.")
        else:
            changed = audit.changes(
                user,
                {
                    "email": form.email.data or None,
                    "display_name": form.display_name.data or None,
                    "active": form.active.data,
                    "email_confirmed": form.email_confirmed.data,
                },
            )
            if changed:
                audit.record(
                    db(), me, "update", user, f"user {user.username} edited", changes=changed
                )
                db().commit()
            flash(f"User {user.username} saved.", "success")
            return redirect(url_for("admin_users.edit", user_id=user.id))
    sites = (
        db()
        .scalars(
            select(Site)
            .join(SiteAdmin, SiteAdmin.site_id == Site.id)
            .where(SiteAdmin.user_id == user.id)
            .order_by(Site.name)
        )
        .all()
    )
    return render_template(
        "admin/user.html",
        user=user,
        f=form,
        groups=sorted(accounts.group_names(db(), user)),
        membership_form=MembershipForm(),
        sites=sites,
    )


@bp.post("/<int:user_id>/groups")
@admin_required
def add_group(user_id: int) -> Any:
    user = _user(user_id)
    form = MembershipForm()
    if form.validate_on_submit():
        if accounts.grant(db(), user, text(form.group)):
            audit.record(
                db(),
                current_user(),
                "grant",
                user,
                f"{user.username} added to group {form.group.data}",
                group=form.group.data,
            )
            db().commit()
            flash(f"{user.username} is now in {form.group.data}.", "success")
        else:
            flash(f"{user.username} is in {form.group.data} already.", "warning")
    return redirect(url_for("admin_users.edit", user_id=user.id))


@bp.route("/<int:user_id>/groups/<group>/remove", methods=["GET", "POST"])
@admin_required
def remove_group(user_id: int, group: str) -> Any:
    user = _user(user_id)
    if request.method == "GET":
        return confirm_page(
            f"Remove {user.username} from the group {group}?",
            url_for("admin_users.edit", user_id=user.id),
            action_label="Remove",
        )
    if accounts.revoke(db(), user, group):
        audit.record(
            db(),
            current_user(),
            "revoke",
            user,
            f"{user.username} removed from group {group}",
            group=group,
        )
        db().commit()
        flash(f"{user.username} left {group}.", "success")
    return redirect(url_for("admin_users.edit", user_id=user.id))
