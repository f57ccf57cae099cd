"""Sites, hosts and tokens as plain dicts: the API's JSON and the CLI's `--json`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import ApiToken, Host, Site, SiteAdmin, User
from mirrormanager.manage import items
from mirrormanager.manage.fields import HOST_FIELDS, SITE_FIELDS


def when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def item_dict(key: str, item: Any) -> dict[str, Any]:
    kind = items.kind(key)
    return {"id": item.id, **{name: getattr(item, name) for name in kind.fields}}


def host_dict(
    session: Session, host: Host, *, public: bool, state: str | None = None
) -> dict[str, Any]:
    """A host; `public` leaves out private URLs and everything only its admins see."""
    data: dict[str, Any] = {
        "id": host.id,
        "site": host.site.name,
        "name": host.name,
        "country": host.country,
        "bandwidth": host.bandwidth_int,
        "internet2": host.internet2,
        "last_crawled": when(host.last_crawled),
        "categories": [
            {
                "category": hc.category.name,
                "urls": [u.url for u in hc.urls if not (public and u.private)],
                **({} if public else {"id": hc.id, "always_up2date": hc.always_up2date}),
            }
            for hc in sorted(host.categories, key=lambda hc: hc.category.name)
        ],
    }
    if public:
        return data
    data.update({name: getattr(host, name) for name in HOST_FIELDS})
    data["site_id"] = host.site_id
    data["urls"] = [
        {"id": u.id, "url": u.url, "private": u.private, "category": hc.category.name}
        for hc in host.categories
        for u in hc.urls
    ]
    for key, kind in items.KINDS.items():
        rows = session.scalars(
            select(kind.model)
            .where(kind.model.host_id == host.id)
            .order_by(getattr(kind.model, kind.unique))
        )
        data[key.replace("-", "_")] = [item_dict(key, row) for row in rows]
    if state is not None:
        data["state"] = state
    return data


def site_dict(session: Session, site: Site) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(site, name) for name in SITE_FIELDS if name != "password"}
    hosts = session.scalars(select(Host).where(Host.site_id == site.id).order_by(Host.name))
    admins = session.scalars(
        select(User.username)
        .join(SiteAdmin, SiteAdmin.user_id == User.id)
        .where(SiteAdmin.site_id == site.id)
        .order_by(User.username)
    )
    data.update(
        id=site.id,
        has_password=bool(site.password),
        created_by=site.created_by,
        hosts=[{"id": h.id, "name": h.name} for h in hosts],
        admins=list(admins),
    )
    return data


def token_dict(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "created_at": when(row.created_at),
        "last_used": when(row.last_used),
        "expires_at": when(row.expires_at),
        "revoked_at": when(row.revoked_at),
    }
