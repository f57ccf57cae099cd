"""/api/v1 routes for sites, site admins, categories carried, the host items (netblocks,
peer ASNs, countries allowed, ACL addresses, locations) and the caller's API tokens.

Each route parses the JSON body, calls one `mirrormanager.manage` function and commits; the
app's ManageError handler turns a refusal into 404/403/422/409 JSON naming the field.
"""

from __future__ import annotations

from typing import Any

from mirrormanager.db.models import Site
from mirrormanager.errors import Invalid, NotFound
from mirrormanager.manage import carried, fields, items, present, sites, tokens
from mirrormanager.web.permissions import (
    actor,
    current_user,
    db,
    host_category_for,
    host_for,
    host_item_for,
    login_required,
    site_for,
    visible_sites,
)
from mirrormanager.web.views.api import bp, payload

SITE_FIELDS = tuple(fields.SITE_FIELDS)


def site_json(site: Site) -> dict[str, Any]:
    return present.site_dict(db(), site)


def _me() -> Any:
    user = current_user()
    assert user is not None  # login_required ran
    return user


# --- sites ------------------------------------------------------------------------------
@bp.get("/sites")
@login_required
def list_sites() -> dict[str, Any]:
    found = db().scalars(visible_sites().order_by(Site.name))
    return {"sites": [site_json(s) for s in found]}


@bp.post("/sites")
@login_required
def create_site() -> Any:
    site = sites.create_site(db(), actor(), payload(SITE_FIELDS))
    db().commit()
    return site_json(site), 201


@bp.get("/sites/<int:site_id>")
@login_required
def get_site(site_id: int) -> dict[str, Any]:
    return site_json(site_for(site_id))


@bp.patch("/sites/<int:site_id>")
@login_required
def update_site(site_id: int) -> dict[str, Any]:
    site = site_for(site_id)
    sites.edit_site(db(), actor(), site, payload(SITE_FIELDS))
    db().commit()
    return site_json(site)


@bp.delete("/sites/<int:site_id>")
@login_required
def delete_site(site_id: int) -> Any:
    sites.delete_site(db(), actor(), site_for(site_id))
    db().commit()
    return "", 204


@bp.post("/sites/<int:site_id>/admins")
@login_required
def add_site_admin(site_id: int) -> Any:
    site = site_for(site_id)
    username = payload(("username",)).get("username")
    if not isinstance(username, str):
        raise Invalid("username (a string) is required.", field="username")
    sites.add_site_admin(db(), actor(), site, username)
    db().commit()
    return site_json(site), 201


@bp.delete("/sites/<int:site_id>/admins/<username>")
@login_required
def remove_site_admin(site_id: int, username: str) -> Any:
    site = site_for(site_id)
    link = sites.site_admin_link(db(), actor(), site, username)
    sites.remove_site_admin(db(), actor(), site, link)
    db().commit()
    return "", 204


# --- categories carried -----------------------------------------------------------------
def _hc_json(hc: Any) -> dict[str, Any]:
    return {
        "id": hc.id,
        "host_id": hc.host_id,
        "category": hc.category.name,
        "always_up2date": hc.always_up2date,
        "urls": [{"id": u.id, "url": u.url, "private": u.private} for u in hc.urls],
    }


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise Invalid(f"{name} must be true or false.", field=name)
    return value


@bp.post("/hosts/<int:host_id>/categories")
@login_required
def add_category(host_id: int) -> Any:
    host = host_for(host_id)
    data = payload(("category", "always_up2date"))
    name = data.get("category")
    if not isinstance(name, str):
        raise Invalid("category (a name) is required.", field="category")
    category = carried.category(db(), actor(), name)
    up2date = _flag(data, "always_up2date")
    hc = carried.add_category(db(), actor(), host, category, always_up2date=up2date)
    db().commit()
    return _hc_json(hc), 201


@bp.patch("/host-categories/<int:hc_id>")
@login_required
def update_category(hc_id: int) -> Any:
    hc = host_category_for(hc_id)
    data = payload(("always_up2date",))
    if "always_up2date" in data:
        carried.set_category(db(), actor(), hc, always_up2date=_flag(data, "always_up2date"))
        db().commit()
    return _hc_json(hc)


@bp.delete("/host-categories/<int:hc_id>")
@login_required
def delete_category(hc_id: int) -> Any:
    carried.remove_category(db(), actor(), host_category_for(hc_id))
    db().commit()
    return "", 204


# --- netblocks, peer ASNs, countries allowed, ACL addresses, locations ---------------------
@bp.get("/hosts/<int:host_id>/<any('netblocks','peer-asns','countries','acl-ips','locations'):key>")
@login_required
def list_items(host_id: int, key: str) -> dict[str, Any]:
    host = host_for(host_id)
    found = items.items(db(), actor(), host, key)
    return {"items": [present.item_dict(key, item) for item in found]}


@bp.post(
    "/hosts/<int:host_id>/<any('netblocks','peer-asns','countries','acl-ips','locations'):key>"
)
@login_required
def add_item(host_id: int, key: str) -> Any:
    host = host_for(host_id)
    item = items.add_item(db(), actor(), host, key, payload(items.kind(key).fields))
    db().commit()
    return present.item_dict(key, item), 201


@bp.delete(
    "/hosts/<int:host_id>/<any('netblocks','peer-asns','countries','acl-ips','locations'):key>/<int:item_id>"
)
@login_required
def delete_item(host_id: int, key: str, item_id: int) -> Any:
    kind = items.kind(key)
    item = host_item_for(kind.model, item_id, host_id)
    items.remove_item(db(), actor(), host_for(host_id), key, item)
    db().commit()
    return "", 204


# --- the caller's API tokens (a token makes tokens for its own user only) ------------------
@bp.get("/tokens")
@login_required
def list_tokens() -> dict[str, Any]:
    return {"tokens": [present.token_dict(t) for t in tokens.list_tokens(db(), actor(), _me())]}


@bp.post("/tokens")
@login_required
def create_token() -> Any:
    data = payload(("name", "expires_days"))
    secret, row = tokens.create_token(
        db(), actor(), _me(), data.get("name", ""), expires_days=data.get("expires_days")
    )
    db().commit()
    return {**present.token_dict(row), "token": secret}, 201


@bp.delete("/tokens/<int:token_id>")
@login_required
def revoke_token(token_id: int) -> Any:
    row = tokens.token(db(), actor(), token_id)
    if row.user_id != _me().id:
        raise NotFound(f"no API token with id {token_id}")
    tokens.revoke_token(db(), actor(), row)
    db().commit()
    return "", 204
