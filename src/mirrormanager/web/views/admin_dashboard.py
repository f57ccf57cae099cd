"""Admin dashboard, the list of all hosts, the admin on/off switch and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from mirrormanager.db.models import AuditLog, Host, HostCategoryDir, JobRun, Site
from mirrormanager.db.models.mirrors import host_is_active
from mirrormanager.errors import ManageError
from mirrormanager.manage.hosts import set_host_enabled
from mirrormanager.web import host_health
from mirrormanager.web.forms import AdminSwitchForm
from mirrormanager.web.helpers import paginate, refused_on_form
from mirrormanager.web.permissions import actor, admin_required, db, host_for
from mirrormanager.web.views.admin_crud import REGISTRY

bp = Blueprint("admin", __name__, url_prefix="/admin")
HOST_FILTERS = ("all", "active", "disabled", "failing", "private")


def _count(stmt: Any) -> int:
    return int(db().scalar(stmt) or 0)


@bp.get("/")
@admin_required
def dashboard() -> str:
    hosts = select(func.count(Host.id))
    stats = {
        "sites": _count(select(func.count(Site.id))),
        "hosts": _count(hosts),
        "active": _count(hosts.join(Site).where(*host_is_active())),
        "admin_disabled": _count(hosts.where(Host.admin_active.is_(False))),
        "user_disabled": _count(hosts.where(Host.user_active.is_(False))),
        "failing": _count(hosts.where(Host.crawl_failures > 0)),
        "stale_dirs": _count(
            select(func.count(HostCategoryDir.id)).where(HostCategoryDir.up2date.is_(False))
        ),
    }
    latest = (
        select(JobRun.job, func.max(JobRun.id).label("last_id")).group_by(JobRun.job).subquery()
    )
    jobs = (
        db()
        .scalars(select(JobRun).join(latest, JobRun.id == latest.c.last_id).order_by(JobRun.job))
        .all()
    )
    recent = db().scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(10)).all()
    return render_template(
        "admin/dashboard.html",
        stats=stats,
        jobs=jobs,
        recent=recent,
        tables=list(REGISTRY.values()),
    )


@bp.get("/hosts")
@admin_required
def hosts() -> str:
    state = request.args.get("state", "all")
    stmt = select(Host).join(Site).order_by(Site.name, Host.name)
    if state == "active":
        stmt = stmt.where(Host.admin_active.is_(True), Host.user_active.is_(True))
    elif state == "disabled":
        stmt = stmt.where((Host.admin_active.is_(False)) | (Host.user_active.is_(False)))
    elif state == "failing":
        stmt = stmt.where(Host.crawl_failures > 0)
    elif state == "private":
        stmt = stmt.where(Host.private.is_(True))
    page = paginate(db(), stmt, search=[Host.name, Site.name, Host.country])
    return render_template(
        "admin/hosts.html",
        page=page,
        state=state,
        filters=HOST_FILTERS,
        states=host_health.for_viewer(page.items),
    )


@bp.route("/hosts/<int:host_id>/switch", methods=["GET", "POST"])
@admin_required
def switch_host(host_id: int) -> Any:
    """Disable (asking why) or enable a host in one step.

    The page does the opposite of the host's current switch; the form says which in
    `action`, so a page left open while someone else flipped the switch does not undo it.
    """
    host = host_for(host_id)
    form = AdminSwitchForm()
    enable = not host.admin_active
    if form.validate_on_submit():
        action = form.action.data or ("enable" if enable else "disable")
        if action not in ("enable", "disable"):
            abort(400, "action must be enable or disable")
        enable = action == "enable"
        reason = (form.reason.data or "").strip()
        try:
            set_host_enabled(db(), actor(), host, enable, reason)
        except ManageError as exc:
            refused_on_form(form, exc)
        else:
            db().commit()
            done = "enabled" if enable else f"disabled: {reason}"
            flash(f"Host {host.name} {done}.", "success")
            return redirect(url_for("hosts.show", host_id=host.id))
    form.action.data = "enable" if enable else "disable"
    verb = "Enable" if enable else "Disable"
    return render_template(
        "form_page.html",
        f=form,
        title=f"{verb} host {host.name}",
        intro=(
            "The host goes back into the mirror lists (if its admins have it active); "
            "the crawler's failure count is reset."
            if enable
            else "The host leaves the mirror lists at the next snapshot. Its admins see "
            "the reason and cannot enable it themselves."
        ),
        submit=f"{verb} host",
        skip=("reason",) if enable else (),
        cancel_url=url_for("hosts.show", host_id=host.id),
    )


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    page = paginate(
        db(),
        select(AuditLog).order_by(AuditLog.id.desc()),
        search=[AuditLog.username, AuditLog.summary, AuditLog.object_type, AuditLog.action],
    )
    return render_template("admin/audit.html", page=page)
