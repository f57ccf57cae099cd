"""My sites; create, edit and delete a site; its administrators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from mirrormanager.core.host_state import summarise
from mirrormanager.db.models import Host, Site, SiteAdmin, User
from mirrormanager.errors import ManageError
from mirrormanager.manage import deletion
from mirrormanager.manage import sites as service
from mirrormanager.web import host_health
from mirrormanager.web.flows import Done, confirmed, form_page
from mirrormanager.web.forms import SiteAdminForm, SiteForm, text
from mirrormanager.web.helpers import confirm_page, paginate
from mirrormanager.web.permissions import (
    actor,
    current_user,
    db,
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


def _values(form: SiteForm) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": form.name.data,
        "org_url": form.org_url.data or None,
        "private": form.private.data,
        "user_active": form.user_active.data,
        "downstream_comments": form.downstream_comments.data or None,
    }
    if form.password.data:
        values["password"] = form.password.data
    if is_admin():
        values["admin_active"] = form.admin_active.data
    return values


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_site() -> Any:
    form = _site_form(None)

    def save() -> Done:
        site = service.create_site(db(), actor(), _values(form))
        return Done(
            f"Site {site.name} created. Now add its hosts.",
            url_for("sites.show", site_id=site.id),
        )

    return form_page(
        form, save, title="New site", submit="Create site", cancel_url=url_for("sites.my_sites")
    )


@bp.get("/<int:site_id>")
@login_required
def show(site_id: int) -> str:
    site = site_for(site_id)
    hosts = db().scalars(select(Host).where(Host.site_id == site.id).order_by(Host.name)).all()
    admins = service.site_admins(db(), actor(), site)
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
    site_page = url_for("sites.show", site_id=site.id)

    def save() -> Done:
        reason = form.admin_reason.data if "admin_reason" in form else None
        service.edit_site(db(), actor(), site, _values(form), reason=reason)
        return Done("Site saved.", site_page)

    return form_page(form, save, title=f"Edit site {site.name}", cancel_url=site_page)


@bp.route("/<int:site_id>/delete", methods=["GET", "POST"])
@login_required
def delete(site_id: int) -> Any:
    site = site_for(site_id)
    name = site.name

    def remove() -> Done:
        service.delete_site(db(), actor(), site)
        return Done(f"Site {name} deleted.", url_for("sites.my_sites"))

    return confirmed(
        f"Delete the site {site.name}?",
        url_for("sites.show", site_id=site.id),
        remove,
        also=lambda: deletion.consequences(db(), site),
    )


@bp.post("/<int:site_id>/admins")
@login_required
def add_admin(site_id: int) -> Any:
    site = site_for(site_id)
    form = SiteAdminForm()
    if not form.validate_on_submit():
        flash("Enter a user name.", "error")
        return redirect(url_for("sites.show", site_id=site.id))
    try:
        service.add_site_admin(db(), actor(), site, text(form.username))
    except ManageError as exc:
        if exc.field != "username":
            raise
        flash(exc.message, "warning" if "already" in exc.message else "error")
    else:
        db().commit()
        flash(f"{text(form.username)} is now an admin of {site.name}.", "success")
    return redirect(url_for("sites.show", site_id=site.id))


@bp.route("/<int:site_id>/admins/<int:link_id>/delete", methods=["GET", "POST"])
@login_required
def remove_admin(site_id: int, link_id: int) -> Any:
    site = site_for(site_id)
    link = service.site_admin_link(db(), actor(), site, link_id)
    user = db().get(User, link.user_id)
    name = user.username if user else str(link.user_id)
    others = db().scalar(
        select(func.count(SiteAdmin.id)).where(
            SiteAdmin.site_id == site.id, SiteAdmin.id != link.id
        )
    )
    if not others and not is_admin():
        # Said at once, not after a confirmation (the service refuses the POST too).
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
    user_id = link.user_id
    try:
        name = service.remove_site_admin(db(), actor(), site, link)
    except ManageError as exc:
        flash(exc.message + (f" ({exc.hint})." if exc.hint else ""), "error")
        return redirect(url_for("sites.show", site_id=site.id))
    db().commit()
    flash(f"{name} is no longer an admin of {site.name}.", "success")
    me = current_user()
    if me is not None and user_id == me.id and not is_admin():
        return redirect(url_for("sites.my_sites"))
    return redirect(url_for("sites.show", site_id=site.id))
