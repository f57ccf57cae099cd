"""Sites, hosts and tokens as plain dicts: the API's JSON and the CLI's `--json`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from mirrormanager.db.models import ApiToken, Host, HostCategory, Site, SiteAdmin, User
from mirrormanager.manage import items
from mirrormanager.manage.fields import HOST_FIELDS, SITE_FIELDS


def when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def item_dict(key: str, item: Any) -> dict[str, Any]:
    kind = items.kind(key)
    return {"id": item.id, **{name: getattr(item, name) for name in kind.fields}}


_CHUNK = 500  # host ids per IN list (far below every backend's parameter limit)


def with_host_details(stmt: Select[Host]) -> Select[Host]:
    """`stmt` loading what `host_dict` reads (site, categories, their category and URLs)
    in a few queries for all hosts at once instead of several per host."""
    categories = selectinload(Host.categories)
    return stmt.options(
        selectinload(Host.site),
        categories.selectinload(HostCategory.category),
        categories.selectinload(HostCategory.urls),
    )


def host_items(session: Session, host_ids: Sequence[int]) -> dict[int, dict[str, list[Any]]]:
    """Every host's items (netblocks, ASNs, …) by host id and kind, `host_dict`'s order:
    one query per kind for all the hosts (per 500), not one per kind and host."""
    found: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for key, kind in items.KINDS.items():
        model = kind.model
        for start in range(0, len(host_ids), _CHUNK):
            chunk = host_ids[start : start + _CHUNK]
            rows = session.scalars(
                select(model)
                .where(model.host_id.in_(chunk))
                .order_by(model.host_id, getattr(model, kind.unique))
            )
            for row in rows:
                found[row.host_id][key].append(row)
    return found


def host_dicts(session: Session, hosts: Sequence[Host], *, public: bool) -> list[dict[str, Any]]:
    """`host_dict` of many hosts with the items fetched once for all (load the hosts with
    `with_host_details` too: the listing then costs a constant number of queries)."""
    found = {} if public else host_items(session, [h.id for h in hosts])
    return [
        host_dict(session, host, public=public, preloaded=found.get(host.id, {})) for host in hosts
    ]


def host_dict(
    session: Session,
    host: Host,
    *,
    public: bool,
    state: dict[str, Any] | None = None,
    preloaded: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """A host; `public` leaves out private URLs and everything only its admins see.
    `preloaded`: the host's items by kind from `host_items` (else queried here)."""
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
        if preloaded is not None:
            rows: Sequence[Any] = preloaded.get(key, [])
        else:
            rows = session.scalars(
                select(kind.model)
                .where(kind.model.host_id == host.id)
                .order_by(getattr(kind.model, kind.unique))
            ).all()
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
