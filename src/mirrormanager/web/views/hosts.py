"""Hosts of a site: create, show (with crawl status and log), edit, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, render_template, url_for
from sqlalchemy import case, func, select

from mirrormanager.crawler.hostlog import read_crawl_log
from mirrormanager.db.models import (
    AuditLog,
    Category,
    Host,
    HostAclIp,
    HostCategory,
    HostCategoryDir,
    HostCountryAllowed,
    HostLocation,
    HostNetblock,
    HostPeerAsn,
    Location,
)
from mirrormanager.manage import deletion
from mirrormanager.manage import hosts as service
from mirrormanager.web import checks, host_health
from mirrormanager.web.flows import Done, confirmed, form_page
from mirrormanager.web.forms import HostForm
from mirrormanager.web.helpers import app_settings
from mirrormanager.web.permissions import (
    actor,
    db,
    host_for,
    is_admin,
    login_required,
    site_for,
)
from mirrormanager.web.views import host_items

bp = Blueprint("hosts", __name__)
STALE_DIRS_SHOWN = 50
HISTORY_SHOWN = 20


def _host_form(host: Host | None) -> HostForm:
    form = HostForm(obj=host)
    if not is_admin():
        del form.admin_active
        del form.disable_reason
    return form


def _values(form: HostForm) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(form, name).data
        for name in (
            "name",
            "country",
            "bandwidth_int",
            "max_connections",
            "private",
            "internet2",
            "internet2_clients",
            "asn",
            "asn_clients",
            "latitude",
            "longitude",
            "user_active",
        )
    }
    values["robot_email"] = form.robot_email.data or None
    values["comment"] = form.comment.data or None
    if is_admin():
        values["admin_active"] = form.admin_active.data
        values["disable_reason"] = form.disable_reason.data or None
    return values


@bp.route("/sites/<int:site_id>/hosts/new", methods=["GET", "POST"])
@login_required
def new_host(site_id: int) -> Any:
    site = site_for(site_id)
    form = _host_form(None)

    def save() -> Done:
        host = service.create_host(db(), actor(), site, _values(form))
        return Done(
            f"Host {host.name} created. Add the categories it carries and their URLs.",
            url_for("hosts.show", host_id=host.id),
        )

    return form_page(
        form,
        save,
        title=f"New host in {site.name}",
        submit="Create host",
        cancel_url=url_for("sites.show", site_id=site.id),
    )


@bp.route("/hosts/<int:host_id>/edit", methods=["GET", "POST"])
@login_required
def edit(host_id: int) -> Any:
    host = host_for(host_id)
    form = _host_form(host)
    host_page = url_for("hosts.show", host_id=host.id)

    def save() -> Done:
        service.edit_host(db(), actor(), host, _values(form))
        return Done("Host saved.", host_page)

    return form_page(form, save, title=f"Edit host {host.name}", cancel_url=host_page)


@bp.route("/hosts/<int:host_id>/delete", methods=["GET", "POST"])
@login_required
def delete(host_id: int) -> Any:
    host = host_for(host_id)
    site_id, name = host.site_id, host.name

    def remove() -> Done:
        service.delete_host(db(), actor(), host)
        return Done(f"Host {name} deleted.", url_for("sites.show", site_id=site_id))

    return confirmed(
        f"Delete the host {host.name}?",
        url_for("hosts.show", host_id=host.id),
        remove,
        also=lambda: deletion.consequences(db(), host),
    )


def crawl_log(host_id: int) -> str:
    """The crawler's latest log of this host ("" when it has none yet)."""
    try:
        return read_crawl_log(app_settings(), host_id)
    except OSError as exc:
        return f"(the log cannot be read: {exc})"


def _dir_summary(host: Host) -> list[dict[str, Any]]:
    rows = (
        db()
        .execute(
            select(
                HostCategory.id,
                Category.name,
                func.count(HostCategoryDir.id),
                func.sum(case((HostCategoryDir.up2date.is_(True), 1), else_=0)),
            )
            .join(Category, Category.id == HostCategory.category_id)
            .outerjoin(HostCategoryDir, HostCategoryDir.host_category_id == HostCategory.id)
            .where(HostCategory.host_id == host.id)
            .group_by(HostCategory.id, Category.name)
            .order_by(Category.name)
        )
        .all()
    )
    return [
        {"category": name, "total": total, "up2date": int(up or 0), "stale": total - int(up or 0)}
        for _hc_id, name, total, up in rows
    ]


def _stale_dirs(host: Host) -> list[str]:
    return list(
        db().scalars(
            select(HostCategoryDir.path)
            .join(HostCategory, HostCategory.id == HostCategoryDir.host_category_id)
            .where(HostCategory.host_id == host.id, HostCategoryDir.up2date.is_(False))
            .order_by(HostCategoryDir.path)
            .limit(STALE_DIRS_SHOWN)
        )
    )


def _items(model: Any, host: Host, order: Any) -> Sequence[Any]:
    return db().scalars(select(model).where(model.host_id == host.id).order_by(order)).all()


def _history(host: Host) -> Sequence[AuditLog]:
    """The last changes of this host and what hangs off it (the audit rows name it)."""
    return (
        db()
        .scalars(
            select(AuditLog)
            .where(
                (AuditLog.object_type == "Host") & (AuditLog.object_id == host.id)
                | (AuditLog.details["host_id"].as_integer() == host.id)
            )
            .order_by(AuditLog.id.desc())
            .limit(HISTORY_SHOWN)
        )
        .all()
    )


@bp.get("/hosts/<int:host_id>")
@login_required
def show(host_id: int) -> str:
    host = host_for(host_id)
    carried = {hc.category_id for hc in host.categories}
    host_locations = db().execute(
        select(HostLocation, Location)
        .join(Location, Location.id == HostLocation.location_id)
        .where(HostLocation.host_id == host.id)
        .order_by(Location.name)
    )
    admin = is_admin()
    settings = app_settings()
    recent_checks = checks.recent(db(), host.id)
    return render_template(
        "hosts/show.html",
        host=host,
        state=host_health.for_viewer([host], with_paths=True)[host.id],
        host_categories=sorted(host.categories, key=lambda hc: hc.category.name),
        category_form=host_items.category_form(exclude=carried),
        url_forms={hc.id: host_items.url_form(hc.id) for hc in host.categories},
        netblocks=_items(HostNetblock, host, HostNetblock.netblock),
        netblock_form=host_items.item_form("netblocks"),
        peer_asns=_items(HostPeerAsn, host, HostPeerAsn.asn),
        peer_asn_form=host_items.item_form("peer-asns") if admin else None,
        countries=_items(HostCountryAllowed, host, HostCountryAllowed.country),
        country_form=host_items.item_form("countries"),
        acl_ips=_items(HostAclIp, host, HostAclIp.ip),
        acl_form=host_items.item_form("acl-ips"),
        host_locations=host_locations.all(),
        location_form=host_items.item_form("locations") if admin else None,
        summary=_dir_summary(host),
        stale_dirs=_stale_dirs(host),
        crawl_log=crawl_log(host.id),
        checks=recent_checks,
        check_running=any(
            j.status in checks.ACTIVE and not checks.is_abandoned(j, settings)
            for j in recent_checks
        ),
        check_interval=settings.web_check_min_interval,
        history=_history(host),
    )
