"""Sites and their administrators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.checkin.passwords import hash_site_password
from mirrormanager.db.models import Site, SiteAdmin, User
from mirrormanager.errors import Conflict, Invalid, NotFound
from mirrormanager.manage import access, audit, deletion
from mirrormanager.manage.actor import Actor, record
from mirrormanager.manage.fields import SITE_DEFAULTS, SITE_FIELDS, clean, lookup_text
from mirrormanager.manage.users import find_user


def _check_admin_fields(actor: Actor, values: Mapping[str, Any]) -> None:
    for name in values:
        if SITE_FIELDS[name].admin:
            access.require_admin(actor, f"setting {name}", field=name)


def _name_taken(session: Session, name: str, site_id: int | None) -> None:
    stmt = select(Site.id).where(Site.name == name)
    if site_id is not None:
        stmt = stmt.where(Site.id != site_id)
    if session.scalar(stmt) is not None:
        raise Conflict("A site with this name exists already.", field="name")


def _assign(site: Site, values: dict[str, Any]) -> dict[str, list[Any]]:
    password = values.pop("password", None)
    changed = audit.changes(site, values)
    if password:
        site.password = hash_site_password(password)
        changed["password"] = ["***", "***"]
    return changed


def create_site(
    session: Session, actor: Actor, values: Mapping[str, Any], *, admins: Iterable[str] = ()
) -> Site:
    """A new site; the acting user (if any) and `admins` become its administrators."""
    clean(SITE_FIELDS, values)  # unknown names first, before defaults hide them
    _check_admin_fields(actor, values)
    merged = clean(SITE_FIELDS, {**SITE_DEFAULTS, **values})
    if "name" not in merged:
        raise Invalid("name is required.", field="name")
    _name_taken(session, merged["name"], None)
    users = [_user(session, name) for name in admins]
    site = Site(name=merged["name"], created_by=actor.name)
    _assign(site, merged)
    session.add(site)
    session.flush()
    for user in ([actor.user] if actor.user is not None else []) + users:
        if (
            session.scalar(
                select(SiteAdmin.id).where(
                    SiteAdmin.site_id == site.id, SiteAdmin.user_id == user.id
                )
            )
            is None
        ):
            session.add(SiteAdmin(site_id=site.id, user_id=user.id))
            session.flush()
    record(session, actor, "create", site, f"site {site.name} created")
    return site


def edit_site(
    session: Session,
    actor: Actor,
    site: Site,
    values: Mapping[str, Any],
    *,
    reason: str | None = None,
) -> dict[str, list[Any]]:
    """Change the given fields; returns {field: [old, new]} (empty: nothing changed)."""
    access.site(session, actor, site.id)
    clean(SITE_FIELDS, values)
    _check_admin_fields(actor, values)
    current = {n: getattr(site, n) for n in SITE_FIELDS if n != "password"}
    merged = clean(SITE_FIELDS, {**current, **values})
    merged = {n: v for n, v in merged.items() if n in values}
    if "name" in merged:
        _name_taken(session, merged["name"], site.id)
    changed = _assign(site, merged)
    if changed:
        record(
            session,
            actor,
            "update",
            site,
            f"site {site.name} edited",
            changes=changed,
            reason=reason,
        )
    return changed


def delete_site(session: Session, actor: Actor, site: Site) -> deletion.DeleteSummary:
    access.site(session, actor, site.id)
    return deletion.delete(session, actor, site)


def _user(session: Session, username: str) -> User:
    user = find_user(session, lookup_text("username", username.strip()))
    if user is None:
        raise Invalid(f"No user named {username!r}.", field="username")
    return user


def site_admins(session: Session, actor: Actor, site: Site) -> list[tuple[SiteAdmin, User]]:
    access.site(session, actor, site.id)
    rows = session.execute(
        select(SiteAdmin, User)
        .join(User, User.id == SiteAdmin.user_id)
        .where(SiteAdmin.site_id == site.id)
        .order_by(User.username)
    )
    return [(link, user) for link, user in rows]


def add_site_admin(session: Session, actor: Actor, site: Site, username: str) -> SiteAdmin:
    access.site(session, actor, site.id)
    user = _user(session, username)
    exists = session.scalar(
        select(SiteAdmin.id).where(SiteAdmin.site_id == site.id, SiteAdmin.user_id == user.id)
    )
    if exists is not None:
        raise Conflict(f"{user.username} is an admin of this site already.", field="username")
    link = SiteAdmin(site_id=site.id, user_id=user.id)
    session.add(link)
    session.flush()
    record(
        session,
        actor,
        "add_admin",
        site,
        f"{user.username} made admin of site {site.name}",
        username=user.username,
    )
    return link


def site_admin_link(session: Session, actor: Actor, site: Site, ref: int | str) -> SiteAdmin:
    """A SiteAdmin row of `site` by its id or by the user name."""
    access.site(session, actor, site.id)
    if isinstance(ref, int):
        link = session.get(SiteAdmin, ref) if 0 < ref <= access.MAX_ID else None
    else:
        link = session.scalar(
            select(SiteAdmin)
            .join(User, User.id == SiteAdmin.user_id)
            .where(SiteAdmin.site_id == site.id, User.username == lookup_text("username", ref))
        )
    if link is None or link.site_id != site.id:
        raise NotFound(f"{ref!r} is not an admin of site {site.name}", field="username")
    return link


def remove_site_admin(session: Session, actor: Actor, site: Site, link: SiteAdmin) -> str:
    """Remove an administrator; a site admin may not remove the last one (the site would be
    orphaned: only the mirror admins could reach it again). Returns the user name."""
    access.site(session, actor, site.id)
    count = session.scalar(
        select(func.count()).select_from(SiteAdmin).where(SiteAdmin.site_id == site.id)
    )
    if (count or 0) <= 1 and not actor.is_admin:
        raise Conflict(
            f"{site.name} would have no administrator left",
            field="username",
            hint="add another administrator first",
        )
    user = session.get(User, link.user_id)
    name = user.username if user else str(link.user_id)
    record(
        session,
        actor,
        "remove_admin",
        site,
        f"{name} removed from admins of site {site.name}",
        username=name,
    )
    session.delete(link)
    session.flush()
    return name
