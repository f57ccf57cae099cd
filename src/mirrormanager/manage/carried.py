"""Categories a host carries, and their URLs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Category, Host, HostCategory, HostCategoryUrl
from mirrormanager.errors import Conflict, Invalid, NotFound
from mirrormanager.manage import access, audit, validation
from mirrormanager.manage.actor import Actor, record
from mirrormanager.manage.fields import lookup_text


def category(session: Session, actor: Actor, ref: int | str) -> Category:
    """A category by id or name; admin-only categories exist for admins only."""
    if isinstance(ref, int):
        found = session.get(Category, ref) if 0 < ref <= access.MAX_ID else None
    else:
        name = lookup_text("category", ref)
        found = session.scalar(select(Category).where(Category.name == name))
    if found is None or (found.admin_only and not actor.is_admin):
        raise Invalid(f"Unknown category {ref!r}.", field="category")
    return found


def carried(session: Session, host: Host, cat: Category) -> HostCategory | None:
    return session.scalar(
        select(HostCategory).where(
            HostCategory.host_id == host.id, HostCategory.category_id == cat.id
        )
    )


def carried_or_404(session: Session, host: Host, cat: Category) -> HostCategory:
    hc = carried(session, host, cat)
    if hc is None:
        raise NotFound(f"{host.name} does not carry {cat.name}", field="category")
    return hc


def add_category(
    session: Session, actor: Actor, host: Host, cat: Category, *, always_up2date: bool = False
) -> HostCategory:
    access.host(session, actor, host.id)
    category(session, actor, cat.id)
    if always_up2date:
        access.require_admin(actor, "always_up2date", field="always_up2date")
    if carried(session, host, cat) is not None:
        raise Conflict("The host carries this category already.", field="category")
    hc = HostCategory(host_id=host.id, category_id=cat.id, always_up2date=always_up2date)
    session.add(hc)
    session.flush()
    record(session, actor, "create", hc, f"host {host.name} carries {cat.name}", host_id=host.id)
    return hc


def set_category(
    session: Session, actor: Actor, hc: HostCategory, *, always_up2date: bool
) -> dict[str, list[object]]:
    """Admins only: mark a carried category as always up to date (no crawling)."""
    access.host_category(session, actor, hc.id)
    access.require_admin(actor, "always_up2date", field="always_up2date")
    changed = audit.changes(hc, {"always_up2date": always_up2date})
    if changed:
        record(
            session,
            actor,
            "update",
            hc,
            f"{hc.category.name} on host {hc.host.name} edited",
            host_id=hc.host_id,
            changes=changed,
        )
    return changed


def remove_category(session: Session, actor: Actor, hc: HostCategory) -> None:
    access.host_category(session, actor, hc.id)
    host = hc.host
    record(
        session,
        actor,
        "delete",
        hc,
        f"host {host.name} no longer carries {hc.category.name}",
        host_id=host.id,
    )
    session.delete(hc)
    session.flush()


def url_problem(cat: Category, url: str) -> str | None:
    """What is wrong with `url` as a URL of `cat` (web.validation's rule), or None."""
    return validation.mirror_url_problem(url, cat.topdir.name if cat.topdir else None)


def add_url(
    session: Session, actor: Actor, host: Host, cat: Category, url: str, *, private: bool = False
) -> HostCategoryUrl:
    """A URL of `cat` on `host`; a host that does not carry `cat` yet now carries it."""
    access.host(session, actor, host.id)
    category(session, actor, cat.id)
    if not isinstance(url, str) or not url.strip():
        raise Invalid("url is required.", field="url")
    if not isinstance(private, bool):
        raise Invalid("private must be true or false.", field="private")
    url = lookup_text("url", url.strip())
    problem = url_problem(cat, url)
    if problem:
        raise Invalid(problem, field="url")
    if session.scalar(select(HostCategoryUrl.id).where(HostCategoryUrl.url == url)) is not None:
        raise Conflict("This URL is registered already.", field="url")
    hc = carried(session, host, cat) or add_category(session, actor, host, cat)
    row = HostCategoryUrl(host_category_id=hc.id, url=url, private=private)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "create",
        row,
        f"URL {row.url} added to {host.name} ({cat.name})",
        host_id=host.id,
    )
    return row


def find_url(session: Session, actor: Actor, host: Host, url: str) -> HostCategoryUrl:
    access.host(session, actor, host.id)
    row = session.scalar(
        select(HostCategoryUrl)
        .join(HostCategory, HostCategory.id == HostCategoryUrl.host_category_id)
        .where(HostCategory.host_id == host.id, HostCategoryUrl.url == lookup_text("url", url))
    )
    if row is None:
        raise NotFound(f"{host.name} has no URL {url!r}", field="url")
    return row


def remove_url(session: Session, actor: Actor, row: HostCategoryUrl) -> None:
    access.host_url(session, actor, row.id)
    host = row.host_category.host
    record(
        session, actor, "delete", row, f"URL {row.url} removed from {host.name}", host_id=host.id
    )
    session.delete(row)
    session.flush()
