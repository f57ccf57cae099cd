"""What hangs off a host: categories and their URLs, netblocks, peer ASNs, allowed
countries, ACL IPs and locations. One generic add/delete pair serves the simple lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from mirrormanager.db.models import (
    Category,
    Host,
    HostAclIp,
    HostCategory,
    HostCategoryUrl,
    HostCountryAllowed,
    HostLocation,
    HostNetblock,
    HostPeerAsn,
    Location,
)
from mirrormanager.web import audit, deletion, validation
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
    add_error,
    text,
)
from mirrormanager.web.helpers import app_settings, confirm_page
from mirrormanager.web.permissions import (
    current_user,
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


def netblock_admin_problem(netblock: str) -> str | None:
    """Why a site admin may not add this netblock (too large and public), or None."""
    settings = app_settings()
    v4 = settings.web_netblock_max_prefix_v4
    v6 = settings.web_netblock_max_prefix_v6
    if not is_admin() and validation.netblock_needs_admin(netblock, v4, v6):
        return (
            f"Public netblocks larger than /{v4} (IPv4) or /{v6} (IPv6) can only be "
            "added by an administrator; ask the mirror admins."
        )
    return None


@dataclass(frozen=True)
class ItemKind:
    key: str
    label: str
    model: type[Any]
    form: Callable[[], BaseForm]
    values: Callable[[BaseForm], dict[str, Any]]
    describe: Callable[[Any], str]
    unique: str
    admin_only: bool = False
    extra_check: Callable[[BaseForm], str | None] | None = None


def _location_form() -> BaseForm:
    form = HostLocationForm(prefix="loc")
    form.location_id.choices = [
        (loc.id, loc.name) for loc in db().scalars(select(Location).order_by(Location.name))
    ]
    return form


KINDS = {
    kind.key: kind
    for kind in (
        ItemKind(
            "netblocks",
            "netblock",
            HostNetblock,
            lambda: NetblockForm(prefix="nb"),
            lambda f: {"netblock": f.netblock.data, "name": f.name.data or None},
            lambda o: o.netblock,
            "netblock",
            extra_check=lambda f: netblock_admin_problem(f.netblock.data),
        ),
        ItemKind(
            "peer-asns",
            "peer ASN",
            HostPeerAsn,
            lambda: PeerAsnForm(prefix="asn"),
            lambda f: {"asn": f.asn.data, "name": f.name.data or None},
            lambda o: f"AS{o.asn}",
            "asn",
            admin_only=True,
        ),
        ItemKind(
            "countries",
            "allowed country",
            HostCountryAllowed,
            lambda: CountryForm(prefix="cc"),
            lambda f: {"country": f.country.data},
            lambda o: o.country,
            "country",
        ),
        ItemKind(
            "acl-ips",
            "ACL IP",
            HostAclIp,
            lambda: AclIpForm(prefix="acl"),
            lambda f: {"ip": f.ip.data},
            lambda o: o.ip,
            "ip",
        ),
        ItemKind(
            "locations",
            "location",
            HostLocation,
            _location_form,
            lambda f: {"location_id": f.location_id.data},
            lambda o: f"location {o.location_id}",
            "location_id",
            admin_only=True,
        ),
    )
}


def _kind(key: str) -> ItemKind:
    kind = KINDS.get(key)
    if kind is None:
        abort(404)
    return kind


def _to_host(host: Host) -> Any:
    return redirect(url_for("hosts.show", host_id=host.id))


@bp.route("/hosts/<int:host_id>/<kind_key>/add", methods=["GET", "POST"])
@login_required
def add_item(host_id: int, kind_key: str) -> Any:
    kind = _kind(kind_key)
    host = host_for(host_id)
    if kind.admin_only:
        require_admin()
    form = kind.form()
    if form.validate_on_submit():
        values = kind.values(form)
        problem = kind.extra_check(form) if kind.extra_check else None
        duplicate = db().scalar(
            select(kind.model.id).where(
                kind.model.host_id == host.id,
                getattr(kind.model, kind.unique) == values[kind.unique],
            )
        )
        if problem:
            getattr(form, kind.unique).errors.append(problem)
        elif duplicate is not None:
            getattr(form, kind.unique).errors.append(f"The host has this {kind.label} already.")
        else:
            item = kind.model(host_id=host.id, **values)
            db().add(item)
            db().flush()
            audit.record(
                db(),
                current_user(),
                "create",
                item,
                f"{kind.label} {kind.describe(item)} added to host {host.name}",
                host_id=host.id,
                **values,
            )
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
    kind = _kind(kind_key)
    item = host_item_for(kind.model, item_id, host_id)
    host = host_for(host_id)
    if kind.admin_only:
        require_admin()
    if request.method == "GET":
        return confirm_page(
            f"Remove the {kind.label} {kind.describe(item)} from {host.name}?",
            url_for("hosts.show", host_id=host.id),
            action_label="Remove",
        )
    audit.record(
        db(),
        current_user(),
        "delete",
        item,
        f"{kind.label} {kind.describe(item)} removed from host {host.name}",
        host_id=host.id,
    )
    db().delete(item)
    db().commit()
    flash(f"Removed {kind.label} {kind.describe(item)}.", "success")
    return _to_host(host)


# --- categories and URLs -------------------------------------------------------------------
def item_form(kind_key: str) -> BaseForm:
    """The add form of a host item, as the host page shows it (prefixed: unique ids)."""
    return KINDS[kind_key].form()


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
        category = db().get(Category, form.category_id.data)
        assert category is not None  # a choice of the form
        exists = db().scalar(
            select(HostCategory.id).where(
                HostCategory.host_id == host.id, HostCategory.category_id == category.id
            )
        )
        if exists is not None:
            add_error(form.category_id, "The host carries this category already.")
        else:
            hc = HostCategory(
                host_id=host.id,
                category_id=category.id,
                always_up2date=bool(is_admin() and form.always_up2date.data),
            )
            db().add(hc)
            db().flush()
            audit.record(
                db(),
                current_user(),
                "create",
                hc,
                f"host {host.name} carries {category.name}",
                host_id=host.id,
            )
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
        changed = audit.changes(hc, {"always_up2date": bool(form.always_up2date.data)})
        if changed:
            audit.record(
                db(),
                current_user(),
                "update",
                hc,
                f"host {host.name}: {hc.category.name} edited",
                changes=changed,
                host_id=host.id,
            )
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
    host = hc.host
    if request.method == "GET":
        return confirm_page(
            f"Stop carrying {hc.category.name} on {host.name}?",
            url_for("hosts.show", host_id=host.id),
            action_label="Remove",
            also=deletion.consequences(db(), hc),
        )
    audit.record(
        db(),
        current_user(),
        "delete",
        hc,
        f"host {host.name} no longer carries {hc.category.name}",
        host_id=host.id,
    )
    db().delete(hc)
    db().commit()
    flash(f"Removed {hc.category.name} from {host.name}.", "success")
    return _to_host(host)


def url_problem(hc: HostCategory, url: str, url_id: int | None = None) -> str | None:
    topdir = hc.category.topdir.name if hc.category.topdir else None
    problem = validation.mirror_url_problem(url, topdir)
    if problem:
        return problem
    stmt = select(HostCategoryUrl.id).where(HostCategoryUrl.url == url)
    if url_id is not None:
        stmt = stmt.where(HostCategoryUrl.id != url_id)
    if db().scalar(stmt) is not None:
        return "This URL is registered already."
    return None


@bp.route("/host-categories/<int:hc_id>/urls/add", methods=["GET", "POST"])
@login_required
def add_url(hc_id: int) -> Any:
    hc = host_category_for(hc_id)
    host = hc.host
    form = url_form(hc.id)
    if form.validate_on_submit():
        problem = url_problem(hc, text(form.url))
        if problem:
            add_error(form.url, problem)
        else:
            row = HostCategoryUrl(
                host_category_id=hc.id, url=form.url.data, private=form.private.data
            )
            db().add(row)
            db().flush()
            audit.record(
                db(),
                current_user(),
                "create",
                row,
                f"URL {row.url} added to {host.name} ({hc.category.name})",
                host_id=host.id,
            )
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
    host = row.host_category.host
    if request.method == "GET":
        return confirm_page(
            f"Remove the URL {row.url} from {host.name}?",
            url_for("hosts.show", host_id=host.id),
            action_label="Remove",
        )
    audit.record(
        db(),
        current_user(),
        "delete",
        row,
        f"URL {row.url} removed from {host.name}",
        host_id=host.id,
    )
    db().delete(row)
    db().commit()
    flash(f"Removed {row.url}.", "success")
    return _to_host(host)
