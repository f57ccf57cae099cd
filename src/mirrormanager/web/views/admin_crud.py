"""Admin list/create/edit/delete pages for the tables declared in admin_content/admin_geo."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mirrormanager.manage import deletion
from mirrormanager.web import audit
from mirrormanager.web.crud import CrudSpec
from mirrormanager.web.helpers import confirm_page, paginate
from mirrormanager.web.permissions import admin_required, current_user, db, get_or_404
from mirrormanager.web.views import admin_content, admin_geo

bp = Blueprint("crud", __name__, url_prefix="/admin")
REGISTRY: dict[str, CrudSpec] = {s.key: s for s in (*admin_content.SPECS, *admin_geo.SPECS)}


def _spec(key: str) -> CrudSpec:
    spec = REGISTRY.get(key)
    if spec is None:
        abort(404)
    return spec


def _object(spec: CrudSpec, object_id: int) -> Any:
    return get_or_404(spec.model, object_id)


def _list_url(spec: CrudSpec) -> str:
    return url_for("crud.index", key=spec.key)


def _duplicate(spec: CrudSpec, values: dict[str, Any], object_id: int | None) -> str | None:
    for name in spec.unique:
        stmt = select(spec.model.id).where(getattr(spec.model, name) == values[name])
        if object_id is not None:
            stmt = stmt.where(spec.model.id != object_id)
        if db().scalar(stmt) is not None:
            return name
    return None


@bp.get("/<key>/")
@admin_required
def index(key: str) -> str:
    spec = _spec(key)
    order = spec.order_by if isinstance(spec.order_by, tuple) else (spec.order_by,)
    page = paginate(db(), select(spec.model).order_by(*order), search=spec.search)
    return render_template("admin/crud_list.html", spec=spec, page=page)


def _form_page(spec: CrudSpec, obj: Any | None) -> Any:
    form = spec.form(obj=obj)
    if spec.prepare:
        spec.prepare(form)
    if obj is not None and spec.from_obj and request.method == "GET":
        spec.from_obj(form, obj)
    if form.validate_on_submit():
        values = spec.values(form)
        clash = _duplicate(spec, values, obj.id if obj is not None else None)
        if clash:
            getattr(form, clash).errors.append(f"A {spec.singular} with this value exists.")
        else:
            if obj is None:
                obj = spec.model(**values)
                db().add(obj)
                db().flush()
                audit.record(
                    db(),
                    current_user(),
                    "create",
                    obj,
                    f"{spec.singular} {spec.describe(obj)} created",
                    **values,
                )
            else:
                changed = audit.changes(obj, values)
                if changed:
                    audit.record(
                        db(),
                        current_user(),
                        "update",
                        obj,
                        f"{spec.singular} {spec.describe(obj)} edited",
                        changes=changed,
                    )
            db().commit()
            flash(f"Saved {spec.singular} {spec.describe(obj)}.", "success")
            return redirect(_list_url(spec))
    title = f"New {spec.singular}" if obj is None else f"Edit {spec.singular} {spec.describe(obj)}"
    return render_template(
        "form_page.html", f=form, title=title, intro=spec.intro, cancel_url=_list_url(spec)
    )


@bp.route("/<key>/new", methods=["GET", "POST"])
@admin_required
def create(key: str) -> Any:
    spec = _spec(key)
    if not spec.can_create:
        abort(404)
    return _form_page(spec, None)


@bp.route("/<key>/<int:object_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(key: str, object_id: int) -> Any:
    spec = _spec(key)
    return _form_page(spec, _object(spec, object_id))


@bp.post("/<key>/<int:object_id>/toggle")
@admin_required
def toggle(key: str, object_id: int) -> Any:
    spec = _spec(key)
    if spec.toggle is None:
        abort(404)
    obj = _object(spec, object_id)
    new = not getattr(obj, spec.toggle)
    changed = audit.changes(obj, {spec.toggle: new})
    audit.record(
        db(),
        current_user(),
        "update",
        obj,
        f"{spec.singular} {spec.describe(obj)}: {spec.toggle} = {new}",
        changes=changed,
    )
    db().commit()
    flash(f"{spec.describe(obj)}: {spec.toggle} is now {'on' if new else 'off'}.", "success")
    return redirect(request.referrer if _same_site(request.referrer) else _list_url(spec))


def _same_site(url: str | None) -> bool:
    return bool(url) and str(url).startswith(request.host_url)


@bp.route("/<key>/<int:object_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(key: str, object_id: int) -> Any:
    spec = _spec(key)
    if not spec.can_delete:
        abort(404)
    obj = _object(spec, object_id)
    description = spec.describe(obj)
    if request.method == "GET":
        return confirm_page(
            f"Delete the {spec.singular} {description}?",
            _list_url(spec),
            also=deletion.consequences(db(), obj),
        )
    audit.record(db(), current_user(), "delete", obj, f"{spec.singular} {description} deleted")
    db().delete(obj)
    try:
        db().commit()
    except IntegrityError:
        db().rollback()
        flash(f"The {spec.singular} {description} is still in use and cannot be deleted.", "error")
        return redirect(_list_url(spec))
    flash(f"Deleted {spec.singular} {description}.", "success")
    return redirect(_list_url(spec))
