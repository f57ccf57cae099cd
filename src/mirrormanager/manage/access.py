"""Who may see and change what: the SOP's matrix, for the web UI, the API and the CLI.

A site admin (a SiteAdmin row) sees and changes only that site, its hosts and everything
below them; admins (and the system actor) see and change everything. Objects are loaded
through the functions below, which raise NotFound when the actor may not see the object
(so ids of other sites reveal nothing) and Forbidden when the actor sees it but the action
needs an admin.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Host, HostCategory, HostCategoryUrl, Site, SiteAdmin
from mirrormanager.errors import Forbidden, Invalid, NotFound
from mirrormanager.manage.actor import Actor
from mirrormanager.manage.fields import lookup_text

T = TypeVar("T")
MAX_ID = 2**31 - 1  # ids beyond an INTEGER column cannot exist (and would overflow a driver)


def require_admin(actor: Actor, what: str, *, field: str | None = None) -> None:
    if not actor.is_admin:
        raise Forbidden(f"{what} needs an administrator", field=field)


def managed_site_ids(session: Session, actor: Actor) -> set[int]:
    if actor.user_id is None:
        return set()
    return set(session.scalars(select(SiteAdmin.site_id).where(SiteAdmin.user_id == actor.user_id)))


def may_manage_site(session: Session, actor: Actor, site_id: int) -> bool:
    if actor.is_admin:
        return True
    if actor.user is None or not actor.user.active:
        return False
    return site_id in managed_site_ids(session, actor)


def visible_sites(actor: Actor) -> Select[Site]:
    """Sites the actor manages (all of them for an admin)."""
    stmt = select(Site)
    if actor.is_admin:
        return stmt
    uid = actor.user_id if actor.user_id is not None else -1
    return stmt.join(SiteAdmin, SiteAdmin.site_id == Site.id).where(SiteAdmin.user_id == uid)


def visible_hosts(actor: Actor) -> Select[Host]:
    site_ids = select(visible_sites(actor).subquery().c.id)
    return select(Host).where(Host.site_id.in_(site_ids))


def get(session: Session, model: type[T], object_id: int, what: str) -> T:
    """A row by primary key or NotFound; no permission check."""
    obj = session.get(model, object_id) if 0 < object_id <= MAX_ID else None
    if obj is None:
        raise NotFound(f"no {what} with id {object_id}")
    return obj


def site(session: Session, actor: Actor, ref: int | str) -> Site:
    """A site by id or name that the actor manages."""
    if isinstance(ref, int):
        found: Site | None = get(session, Site, ref, "site")
    else:
        found = session.scalar(select(Site).where(Site.name == lookup_text("site", ref)))
    if found is None or not may_manage_site(session, actor, found.id):
        raise NotFound(f"no site {ref!r} (or it is not yours)", field="site")
    return found


def host(
    session: Session, actor: Actor, ref: int | str, *, site_ref: int | str | None = None
) -> Host:
    """A host by id or name (a name made of digits counts as an id) that the actor manages.

    Host names are unique per site only: when two of the actor's sites have a host of the
    same name, `site_ref` (the CLI's --site) picks one.
    """
    if isinstance(ref, str) and ref.isdigit():
        ref = int(ref)
    if isinstance(ref, int):
        found = get(session, Host, ref, "host")
        if not may_manage_site(session, actor, found.site_id):
            raise NotFound(f"no host with id {ref} (or it is not yours)", field="host")
        return found
    stmt = visible_hosts(actor).where(Host.name == lookup_text("host", ref))
    if site_ref is not None:
        stmt = stmt.where(Host.site_id == site(session, actor, site_ref).id)
    hosts = session.scalars(stmt).all()
    if not hosts:
        raise NotFound(f"no host {ref!r} (or it is not yours)", field="host")
    if len(hosts) > 1:
        raise Invalid(
            f"{len(hosts)} sites have a host named {ref!r}",
            field="host",
            hint="name the site (--site) or use the host id",
        )
    return hosts[0]


def host_category(session: Session, actor: Actor, hc_id: int) -> HostCategory:
    hc = get(session, HostCategory, hc_id, "host category")
    host(session, actor, hc.host_id)
    return hc


def host_url(session: Session, actor: Actor, url_id: int) -> HostCategoryUrl:
    url = get(session, HostCategoryUrl, url_id, "URL")
    host_category(session, actor, url.host_category_id)
    return url


def host_item(
    session: Session, actor: Actor, model: type[T], item_id: int, host_id: int | None = None
) -> T:
    """A row with a `host_id` (netblock, peer ASN, country, ACL IP, location link).

    When `host_id` comes from the request too, the row must belong to that host: pairing my
    host with someone else's netblock id is NotFound.
    """
    item = get(session, model, item_id, model.__name__)
    owner = int(getattr(item, "host_id"))  # noqa: B009 - model is generic
    if host_id is not None and owner != host_id:
        raise NotFound(f"no {model.__name__} with id {item_id} on this host")
    host(session, actor, owner)
    return item
