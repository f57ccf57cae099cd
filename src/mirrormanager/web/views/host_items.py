"""What hangs off a host: categories and their URLs, netblocks, peer ASNs, allowed
countries, ACL IPs and locations. One generic add/delete pair serves the simple lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from mirrormanager.db.models import Category, Host, HostCategory, Location
from mirrormanager.errors import ManageError
from mirrormanager.manage import carried, deletion, items, validation
from mirrormanager.web.forms import (
    AclIpForm,
    BaseForm,
    CountryForm,
    HostCategoryEditForm,
    HostCategoryForm,
    HostLocationForm,
    HostUrlForm,
    NetblockForm,
    PeerAsnForm,
    text,
)
from mirrormanager.web.helpers import confirm_page, refused_on_form
from mirrormanager.web.permissions import (
    actor,
    db,
    host_category_for,
    host_for,
    host_item_for,
    host_url_for,
    is_admin,
    login_required,
    require_admin,
)

bp = Blueprint("host_items", __name__)


@dataclass(frozen=True)
class ItemForm:
    """The web side of a `manage.items` kind: its form and how to read it."""

    form: Callable[[], BaseForm]
    values: Callable[[BaseForm], dict[str, Any]]


def _location_form() -> BaseForm:
    form = HostLocationForm(prefix="loc")
    form.location_id.choices = [
        (loc.id, loc.name) for loc in db().scalars(select(Location).order_by(Location.name))
    ]
    return form


FORMS = {
    "netblocks": ItemForm(
        lambda: NetblockForm(prefix="nb"),
        lambda f: {"netblock": f.netblock.data, "name": f.name.data or None},
    ),
    "peer-asns": ItemForm(
        lambda: PeerAsnForm(prefix="asn"),
        lambda f: {"asn": f.asn.data, "name": f.name.data or None},
    ),
    "countries": ItemForm(lambda: CountryForm(prefix="cc"), lambda f: {"country": f.country.data}),
    "acl-ips": ItemForm(lambda: AclIpForm(prefix="acl"), lambda f: {"ip": f.ip.data}),
    "locations": ItemForm(_location_form, lambda f: {"location_id": f.location_id.data}),
}


def _kind(key: str) -> tuple[items.ItemKind, ItemForm]:
    if key not in FORMS:
        abort(404)
    return items.kind(key), FORMS[key]


def _to_host(host: Host) -> Any:
    return redirect(url_for("hosts.show", host_id=host.id))


@bp.route("/hosts/<int:host_id>/<kind_key>/add", methods=["GET", "POST"])
@login_required
def add_item(host_id: int, kind_key: str) -> Any:
    kind, web = _kind(kind_key)
    host = host_for(host_id)
    if kind.admin_only:
        require_admin()
    form = web.form()
    if form.validate_on_submit():
        try:
            item = items.add_item(db(), actor(), host, kind.key, web.values(form))
        except ManageError as exc:
            refused_on_form(form, exc)
        else:
            db().commit()
            flash(f"Added {kind.label} {kind.describe(item)}.", "success")
            return _to_host(host)
    return render_template(
        "form_page.html",
        f=form,
        title=f"Add {kind.label} to {host.name}",
        submit="Add",
        cancel_url=url_for("hosts.show", host_id=host.id),
    )


@bp.route("/hosts/<int:host_id>/<kind_key>/<int:item_id>/delete", methods=["GET", "POST"])
@login_required
def delete_item(host_id: int, kind_key: str, item_id: int) -> Any:
    kind, _web = _kind(kind_key)
    item = host_item_for(kind.model, item_id, host_id)
    host = host_for(host_id)
    if kind.admin_only:
        require_admin()
    label = f"{kind.label} {kind.describe(item)}"
    if request.method == "GET":
        return confirm_page(
            f"Remove the {label} from {host.name}?",
            url_for("hosts.show", host_id=host.id),
            action_label="Remove",
        )
    items.remove_item(db(), actor(), host, kind.key, item)
    db().commit()
    flash(f"Removed {label}.", "success")
    return _to_host(host)


# --- categories and URLs -------------------------------------------------------------------
def item_form(kind_key: str) -> BaseForm:
    """The add form of a host item, as the host page shows it (prefixed: unique ids)."""
    return FORMS[kind_key].form()


def url_form(hc_id: int) -> HostUrlForm:
    return HostUrlForm(prefix=f"u{hc_id}")


def category_form(exclude: set[int] | None = None) -> HostCategoryForm:
    """Categories the caller may add (admin-only ones for admins), minus `exclude`."""
    form = HostCategoryForm(prefix="cat")
    stmt = select(Category).order_by(Category.name)
    if not is_admin():
        stmt = stmt.where(Category.admin_only.is_(False))
    form.category_id.choices = [
        (c.id, c.name) for c in db().scalars(stmt) if c.id not in (exclude or set())
    ]
    if not is_admin():
        del form.always_up2date
    return form


@bp.route("/hosts/<int:host_id>/categories/add", methods=["GET", "POST"])
@login_required
def add_category(host_id: int) -> Any:
    host = host_for(host_id)
    form = category_form()
    if form.validate_on_submit():
        category = carried.category(db(), actor(), int(form.category_id.data))
        up2date = bool(is_admin() and form.always_up2date.data)
        try:
            carried.add_category(db(), actor(), host, category, always_up2date=up2date)
        except ManageError as exc:
            refused_on_form(form, exc, {"category": "category_id"})
        else:
            db().commit()
            flash(f"{host.name} now carries {category.name}; add its URLs.", "success")
            return _to_host(host)
    return render_template(
        "form_page.html",
        f=form,
        title=f"Add a category to {host.name}",
        submit="Add",
        cancel_url=url_for("hosts.show", host_id=host.id),
    )


@bp.route("/host-categories/<int:hc_id>/edit", methods=["GET", "POST"])
@login_required
def edit_category(hc_id: int) -> Any:
    """Admins: change `always_up2date` of a category carried (MirrorManager2 allows it)."""
    require_admin()
    hc = host_category_for(hc_id)
    host = hc.host
    form = HostCategoryEditForm(obj=hc)
    if form.validate_on_submit():
        try:
            carried.set_category(db(), actor(), hc, always_up2date=bool(form.always_up2date.data))
        except ManageError as exc:
            refused_on_form(form, exc)
        else:
            db().commit()
            flash(f"Saved {hc.category.name} on {host.name}.", "success")
            return _to_host(host)
    return render_template(
        "form_page.html",
        f=form,
        title=f"{hc.category.name} on {host.name}",
        cancel_url=url_for("hosts.show", host_id=host.id),
    )


@bp.route("/host-categories/<int:hc_id>/delete", methods=["GET", "POST"])
@login_required
def delete_category(hc_id: int) -> Any:
    hc = host_category_for(hc_id)
    host, name = hc.host, hc.category.name
    if request.method == "GET":
        return confirm_page(
            f"Stop carrying {name} on {host.name}?",
            url_for("hosts.show", host_id=host.id),
            action_label="Remove",
            also=deletion.consequences(db(), hc),
        )
    carried.remove_category(db(), actor(), hc)
    db().commit()
    flash(f"Removed {name} from {host.name}.", "success")
    return _to_host(host)


@bp.route("/host-categories/<int:hc_id>/urls/add", methods=["GET", "POST"])
@login_required
def add_url(hc_id: int) -> Any:
    hc = host_category_for(hc_id)
    host = hc.host
    form = url_form(hc.id)
    if form.validate_on_submit():
        try:
            row = carried.add_url(
                db(), actor(), host, hc.category, text(form.url), private=bool(form.private.data)
            )
        except ManageError as exc:
            refused_on_form(form, exc)
        else:
            db().commit()
            flash(f"URL {row.url} added.", "success")
            return _to_host(host)
    return render_template(
        "form_page.html",
        f=form,
        title=f"Add a {hc.category.name} URL to {host.name}",
        intro=_url_hint(hc),
        submit="Add",
        cancel_url=url_for("hosts.show", host_id=host.id),
    )


def _url_hint(hc: HostCategory) -> str:
    tail = validation.topdir_tail(hc.category.topdir.name if hc.category.topdir else None)
    ending = f" whose path ends with /{tail}" if tail else ""
    return f"An http, https, rsync or ftp URL{ending}."


@bp.route("/urls/<int:url_id>/delete", methods=["GET", "POST"])
@login_required
def delete_url(url_id: int) -> Any:
    row = host_url_for(url_id)
    host, url = row.host_category.host, row.url
    if request.method == "GET":
        return confirm_page(
            f"Remove the URL {url} from {host.name}?",
            url_for("hosts.show", host_id=host.id),
            action_label="Remove",
        )
    carried.remove_url(db(), actor(), row)
    db().commit()
    flash(f"Removed {url}.", "success")
    return _to_host(host)
