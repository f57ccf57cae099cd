"""What hangs off a host: categories and their URLs, netblocks, peer ASNs, allowed
countries, ACL IPs and locations. One generic add/delete pair serves the simple lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, url_for
from sqlalchemy import select

from mirrormanager.db.models import Category, Host, HostCategory, Location
from mirrormanager.manage import carried, deletion, items, validation
from mirrormanager.web.flows import Done, confirmed, form_page
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


def _host_page(host: Host) -> str:
    return url_for("hosts.show", host_id=host.id)


@bp.route("/hosts/<int:host_id>/<kind_key>/add", methods=["GET", "POST"])
@login_required
def add_item(host_id: int, kind_key: str) -> Any:
    kind, web = _kind(kind_key)
    host = host_for(host_id)
    if kind.admin_only:
        require_admin()
    form = web.form()

    def save() -> Done:
        item = items.add_item(db(), actor(), host, kind.key, web.values(form))
        return Done(f"Added {kind.label} {kind.describe(item)}.", _host_page(host))

    return form_page(
        form,
        save,
        title=f"Add {kind.label} to {host.name}",
        submit="Add",
        cancel_url=_host_page(host),
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

    def remove() -> Done:
        items.remove_item(db(), actor(), host, kind.key, item)
        return Done(f"Removed {label}.", _host_page(host))

    return confirmed(
        f"Remove the {label} from {host.name}?", _host_page(host), remove, action_label="Remove"
    )


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

    def save() -> Done:
        category = carried.category(db(), actor(), int(form.category_id.data))
        up2date = bool(is_admin() and form.always_up2date.data)
        carried.add_category(db(), actor(), host, category, always_up2date=up2date)
        return Done(f"{host.name} now carries {category.name}; add its URLs.", _host_page(host))

    return form_page(
        form,
        save,
        aliases={"category": "category_id"},
        title=f"Add a category to {host.name}",
        submit="Add",
        cancel_url=_host_page(host),
    )


@bp.route("/host-categories/<int:hc_id>/edit", methods=["GET", "POST"])
@login_required
def edit_category(hc_id: int) -> Any:
    """Admins: change `always_up2date` of a category carried (MirrorManager2 allows it)."""
    require_admin()
    hc = host_category_for(hc_id)
    host = hc.host
    form = HostCategoryEditForm(obj=hc)

    def save() -> Done:
        carried.set_category(db(), actor(), hc, always_up2date=bool(form.always_up2date.data))
        return Done(f"Saved {hc.category.name} on {host.name}.", _host_page(host))

    return form_page(
        form, save, title=f"{hc.category.name} on {host.name}", cancel_url=_host_page(host)
    )


@bp.route("/host-categories/<int:hc_id>/delete", methods=["GET", "POST"])
@login_required
def delete_category(hc_id: int) -> Any:
    hc = host_category_for(hc_id)
    host, name = hc.host, hc.category.name

    def remove() -> Done:
        carried.remove_category(db(), actor(), hc)
        return Done(f"Removed {name} from {host.name}.", _host_page(host))

    return confirmed(
        f"Stop carrying {name} on {host.name}?",
        _host_page(host),
        remove,
        action_label="Remove",
        also=lambda: deletion.consequences(db(), hc),
    )


@bp.route("/host-categories/<int:hc_id>/urls/add", methods=["GET", "POST"])
@login_required
def add_url(hc_id: int) -> Any:
    hc = host_category_for(hc_id)
    host = hc.host
    form = url_form(hc.id)

    def save() -> Done:
        row = carried.add_url(
            db(), actor(), host, hc.category, text(form.url), private=bool(form.private.data)
        )
        return Done(f"URL {row.url} added.", _host_page(host))

    return form_page(
        form,
        save,
        title=f"Add a {hc.category.name} URL to {host.name}",
        intro=_url_hint(hc),
        submit="Add",
        cancel_url=_host_page(host),
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

    def remove() -> Done:
        carried.remove_url(db(), actor(), row)
        return Done(f"Removed {url}.", _host_page(host))

    return confirmed(
        f"Remove the URL {url} from {host.name}?", _host_page(host), remove, action_label="Remove"
    )
