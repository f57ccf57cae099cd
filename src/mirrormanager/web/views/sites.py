"""My sites; create, edit and delete a site; its administrators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from mirrormanager.checkin.passwords import hash_site_password
from mirrormanager.core.host_state import summarise
from mirrormanager.db.models import Host, Site, SiteAdmin, User
from mirrormanager.web import audit, deletion, host_health
from mirrormanager.web.accounts import find_user
from mirrormanager.web.forms import SiteAdminForm, SiteForm, add_error, text
from mirrormanager.web.helpers import confirm_page, paginate
from mirrormanager.web.permissions import (
    current_user,
    db,
    get_or_404,
    is_admin,
    login_required,
    site_for,
    visible_sites,
)

bp = Blueprint("sites", __name__, url_prefix="/sites")


@bp.get("/")
@login_required
def my_sites() -> str:
    page = paginate(db(), visible_sites().order_by(Site.name), search=[Site.name])
    hosts = [h for site in page.items for h in site.hosts]
    states = host_health.for_viewer(hosts)
    health = {site.id: summarise([states[h.id] for h in site.hosts]) for site in page.items}
    return render_template("sites/list.html", page=page, health=health)


def _site_form(site: Site | None) -> SiteForm:
    form = SiteForm(obj=site)
    if site is not None and request.method == "GET":
        form.password.data = ""
    if not is_admin():
        del form.admin_active
        del form.admin_reason
    return form


def _apply(site: Site, form: SiteForm) -> dict[str, list[Any]]:
    values: dict[str, Any] = {
        "name": form.name.data,
        "org_url": form.org_url.data or None,
        "private": form.private.data,
        "user_active": form.user_active.data,
        "downstream_comments": form.downstream_comments.data or None,
    }
    if is_admin():
        values["admin_active"] = form.admin_active.data
    changed = audit.changes(site, values)
    if form.password.data:
        site.password = hash_site_password(form.password.data)
        changed["password"] = ["***", "***"]
    return changed


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_site() -> Any:
    form = _site_form(None)
    user = current_user()
    assert user is not None
    if form.validate_on_submit():
        if db().scalar(select(Site.id).where(Site.name == form.name.data)) is not None:
            add_error(form.name, "A site with this name exists already.")
        else:
            site = Site(name=form.name.data, created_by=user.username)
            _apply(site, form)
            db().add(site)
            db().flush()
            db().add(SiteAdmin(site_id=site.id, user_id=user.id))
            audit.record(db(), user, "create", site, f"site {site.name} created")
            db().commit()
            flash(f"Site {site.name} created. Now add its hosts.", "success")
            return redirect(url_for("sites.show", site_id=site.id))
    return render_template(
        "form_page.html",
        f=form,
        title="New site",
        submit="Create site",
        cancel_url=url_for("sites.my_sites"),
    )


@bp.get("/<int:site_id>")
@login_required
def show(site_id: int) -> str:
    site = site_for(site_id)
    hosts = db().scalars(select(Host).where(Host.site_id == site.id).order_by(Host.name)).all()
    admins = (
        db()
        .execute(
            select(SiteAdmin, User)
            .join(User, User.id == SiteAdmin.user_id)
            .where(SiteAdmin.site_id == site.id)
            .order_by(User.username)
        )
        .all()
    )
    return render_template(
        "sites/show.html",
        site=site,
        hosts=hosts,
        states=host_health.for_viewer(hosts),
        admins=admins,
        admin_form=SiteAdminForm(),
    )


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@login_required
def edit(site_id: int) -> Any:
    site = site_for(site_id)
    form = _site_form(site)
    if form.validate_on_submit():
        clash = db().scalar(select(Site.id).where(Site.name == form.name.data, Site.id != site.id))
        if clash is not None:
            add_error(form.name, "A site with this name exists already.")
        else:
            changed = _apply(site, form)
            if changed:
                reason = form.admin_reason.data if "admin_reason" in form else None
                audit.record(
                    db(),
                    current_user(),
                    "update",
                    site,
                    f"site {site.name} edited",
                    changes=changed,
                    reason=reason,
                )
                db().commit()
            flash("Site saved.", "success")
            return redirect(url_for("sites.show", site_id=site.id))
    return render_template(
        "form_page.html",
        f=form,
        title=f"Edit site {site.name}",
        cancel_url=url_for("sites.show", site_id=site.id),
    )


@bp.route("/<int:site_id>/delete", methods=["GET", "POST"])
@login_required
def delete(site_id: int) -> Any:
    site = site_for(site_id)
    if request.method == "GET":
        return confirm_page(
            f"Delete the site {site.name}?",
            url_for("sites.show", site_id=site.id),
            also=deletion.consequences(db(), site),
        )
    audit.record(db(), current_user(), "delete", site, f"site {site.name} deleted")
    db().delete(site)
    db().commit()
    flash(f"Site {site.name} deleted.", "success")
    return redirect(url_for("sites.my_sites"))


@bp.post("/<int:site_id>/admins")
@login_required
def add_admin(site_id: int) -> Any:
    site = site_for(site_id)
    form = SiteAdminForm()
    if form.validate_on_submit():
        user = find_user(db(), text(form.username))
        if user is None:
            flash(f"No user named {form.username.data!r}.", "error")
        else:
            exists = db().scalar(
                select(SiteAdmin.id).where(
                    SiteAdmin.site_id == site.id, SiteAdmin.user_id == user.id
                )
            )
            if exists is not None:
                flash(f"{user.username} is an admin of this site already.", "warning")
            else:
                db().add(SiteAdmin(site_id=site.id, user_id=user.id))
                audit.record(
                    db(),
                    current_user(),
                    "add_admin",
                    site,
                    f"{user.username} made admin of site {site.name}",
                    username=user.username,
                )
                db().commit()
                flash(f"{user.username} is now an admin of {site.name}.", "success")
    else:
        flash("Enter a user name.", "error")
    return redirect(url_for("sites.show", site_id=site.id))


@bp.route("/<int:site_id>/admins/<int:link_id>/delete", methods=["GET", "POST"])
@login_required
def remove_admin(site_id: int, link_id: int) -> Any:
    site = site_for(site_id)
    link = get_or_404(SiteAdmin, link_id)
    if link.site_id != site.id:
        abort(404)
    user = db().get(User, link.user_id)
    name = user.username if user else str(link.user_id)
    others = db().scalar(
        select(func.count(SiteAdmin.id)).where(
            SiteAdmin.site_id == site.id, SiteAdmin.id != link.id
        )
    )
    if not others:
        # Without an administrator nobody but the admins could manage the site again.
        flash(
            f"{name} is the last administrator of {site.name} and cannot be removed. Add "
            "another administrator first, or delete the site.",
            "error",
        )
        return redirect(url_for("sites.show", site_id=site.id))
    if request.method == "GET":
        return confirm_page(
            f"Remove {name} from the admins of {site.name}?",
            url_for("sites.show", site_id=site.id),
            action_label="Remove",
        )
    audit.record(
        db(),
        current_user(),
        "remove_admin",
        site,
        f"{name} removed from admins of site {site.name}",
        username=name,
    )
    db().delete(link)
    db().commit()
    flash(f"{name} is no longer an admin of {site.name}.", "success")
    me = current_user()
    if me is not None and link.user_id == me.id and not is_admin():
        return redirect(url_for("sites.my_sites"))
    return redirect(url_for("sites.show", site_id=site.id))
