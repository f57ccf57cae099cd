"""Reads behind MirrorManager2's JSON and text endpoints (DB → plain data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Directory,
    Host,
    HostCategory,
    HostCategoryUrl,
    Repository,
    Site,
    SiteAdmin,
    User,
)


def site_admin_names(session: Session, *, include_private: bool) -> list[str]:
    """Usernames of every site admin (of public sites only unless ``include_private``)."""
    stmt = (
        select(User.username)
        .join(SiteAdmin, SiteAdmin.user_id == User.id)
        .join(Site, Site.id == SiteAdmin.site_id)
        .distinct()
    )
    if not include_private:
        stmt = stmt.where(~Site.private)
    return sorted(session.scalars(stmt))


def admins_of(session: Session, name: str, *, include_private: bool) -> list[str] | None:
    """Admins of the host or site called ``name`` (a host name wins, as in MirrorManager2),
    with the site's creator; None when there is no such host or site the caller may see."""
    host = session.scalars(select(Host).where(Host.name == name).order_by(Host.id)).first()
    site = host.site if host is not None else None
    if site is None:
        site = session.scalars(select(Site).where(Site.name == name)).first()
    if site is None:
        return None
    if not include_private and (site.private or (host is not None and host.private)):
        return None  # as if it did not exist: a private mirror's existence is private too
    names = set(
        session.scalars(
            select(User.username)
            .join(SiteAdmin, SiteAdmin.user_id == User.id)
            .where(SiteAdmin.site_id == site.id)
        )
    )
    if site.created_by:
        names.add(site.created_by)
    return sorted(names)


def repositories(session: Session) -> list[dict[str, Any]]:
    """MirrorManager2's shape: ``[{prefix: {"name": ..., "directory": ...}}, ...]`` by id."""
    rows = session.execute(
        select(Repository.prefix, Repository.name, Directory.name)
        .outerjoin(Directory, Directory.id == Repository.directory_id)
        .order_by(Repository.id)
    )
    return [
        {str(prefix) if prefix is not None else "null": {"name": name, "directory": directory}}
        for prefix, name, directory in rows
    ]


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    url: str  # scheme://hostname
    hostname: str
    site: str


_SPACE = re.compile(r"\s+")


def mirror_locations(session: Session) -> list[Location]:
    """One entry per public HTTP(S) mirror hostname with coordinates, first URL wins."""
    rows = session.execute(
        select(HostCategoryUrl.url, Host.latitude, Host.longitude, Site.name)
        .join(HostCategory, HostCategory.id == HostCategoryUrl.host_category_id)
        .join(Host, Host.id == HostCategory.host_id)
        .join(Site, Site.id == Host.site_id)
        .where(
            ~Host.private,
            ~Site.private,
            ~HostCategoryUrl.private,
            Host.admin_active,
            Host.user_active,
            Site.admin_active,
            Site.user_active,
            Host.latitude.is_not(None),
            Host.longitude.is_not(None),
        )
        .order_by(HostCategoryUrl.id)
    )
    seen: set[str] = set()
    found: list[Location] = []
    for url, latitude, longitude, site in rows:
        parts = urlsplit(url)
        if not parts.scheme.startswith("http") or not parts.hostname:
            continue
        if latitude is None or longitude is None or parts.netloc in seen:
            continue
        seen.add(parts.netloc)
        found.append(
            Location(
                latitude,
                longitude,
                f"{parts.scheme}://{parts.netloc}",
                parts.netloc,
                _SPACE.sub(" ", site).strip() or "N/A",
            )
        )
    return found


def render_locations(locations: list[Location], icon: str) -> str:
    """MirrorManager2's ``mirrors_location.txt`` (an OpenLayers text layer, tab separated)."""
    lines = ["lat\tlon\ttitle\tdescription\ticonSize\ticonOffset\ticon"]
    for loc in locations:
        link = (
            f"<a href='{escape(loc.url)}' rel='noopener noreferrer' target='_blank'>"
            f"{escape(loc.hostname)}</a>"
        )
        lines.append(
            f"{loc.latitude}\t{loc.longitude}\t{link}\t{escape(loc.site)}\t25,41\t-12,-41\t{icon}"
        )
    return "\n".join(lines) + "\n"
