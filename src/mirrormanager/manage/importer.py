"""`site import`: create or update sites and their hosts from one TOML or JSON document.

Idempotent: what exists and matches is left alone, so a second run reports no changes;
items the file does not list are kept (import adds and updates, it never removes). The
caller runs `apply` in one transaction and rolls it back for `--dry-run`.

    [[site]]
    name = "example.org"            # plus any `site edit` field: org_url, private, password…
    admins = ["alice"]
    [[site.host]]
    name = "mirror.example.org"     # plus any `host edit` field: country, bandwidth_int…
    country = "DE"
    urls = [{category = "Fedora EPEL", url = "https://mirror.example.org/epel"}]
    categories = [{category = "Fedora EPEL", always_up2date = false}]
    netblocks = ["192.0.2.0/24"]
    peer_asns = [64500]
    countries_allowed = ["DE"]
    acl_ips = ["192.0.2.10"]
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.checkin.passwords import verify_site_password
from mirrormanager.db.models import Host, HostCategoryUrl, Site
from mirrormanager.errors import FormatError, Invalid, ManageError
from mirrormanager.manage import access, carried, hosts, items, sites
from mirrormanager.manage.actor import Actor

HOST_LISTS = {
    "netblocks": ("netblocks", "netblock"),
    "peer_asns": ("peer-asns", "asn"),
    "countries_allowed": ("countries", "country"),
    "acl_ips": ("acl-ips", "ip"),
}
SITE_EXTRA = ("admins", "host", "hosts")
HOST_EXTRA = ("urls", "categories", *HOST_LISTS)


def load(path: Path) -> dict[str, Any]:
    """The document in `path` (.toml or .json); FormatError names the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        elif path.suffix == ".json":
            data = json.loads(raw)
        else:
            raise FormatError(f"{path}: use a .toml or .json file")
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path} does not parse: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("site", data.get("sites")), list):
        raise FormatError(f"{path}: expected a list of sites under 'site'")
    return {str(k): v for k, v in data.items()}


def _list(data: dict[str, Any], *names: str) -> list[Any]:
    for name in names:
        if name in data:
            value = data[name]
            if not isinstance(value, list):
                raise Invalid(f"{name} must be a list", field=name)
            return value
    return []


@contextmanager
def _where(place: str) -> Iterator[None]:
    """Prefix a refusal with where in the document it happened."""
    try:
        yield
    except ManageError as exc:
        field = f"{exc.field}: " if exc.field else ""
        raise type(exc)(f"{place}: {field}{exc.message}", hint=exc.hint) from exc


def apply(session: Session, actor: Actor, document: dict[str, Any]) -> list[str]:
    """Create/update everything in `document`; returns one line per change."""
    changes: list[str] = []
    for index, entry in enumerate(_list(document, "site", "sites")):
        name = entry.get("name") if isinstance(entry, dict) else None
        with _where(f"site {name or '#' + str(index + 1)}"):
            if not isinstance(entry, dict) or not isinstance(name, str):
                raise Invalid("each site needs a name", field="name")
            site = _site(session, actor, entry, changes)
            for host_entry in _list(entry, "host", "hosts"):
                host_name = host_entry.get("name") if isinstance(host_entry, dict) else None
                with _where(f"host {host_name}"):
                    if not isinstance(host_entry, dict) or not isinstance(host_name, str):
                        raise Invalid("each host needs a name", field="name")
                    _host(session, actor, site, host_entry, changes)
    return changes


def _site(session: Session, actor: Actor, entry: dict[str, Any], changes: list[str]) -> Site:
    values = {k: v for k, v in entry.items() if k not in SITE_EXTRA}
    admins = _list(entry, "admins")
    site = session.scalar(select(Site).where(Site.name == entry["name"]))
    if site is None:
        site = sites.create_site(session, actor, values, admins=[str(a) for a in admins])
        changes.append(f"create site {site.name}")
        return site
    site = access.site(session, actor, site.id)
    password = values.get("password")
    if isinstance(password, str) and verify_site_password(site.password, password):
        del values["password"]  # unchanged; re-hashing would log a change every run
    changed = sites.edit_site(session, actor, site, values)
    if changed:
        changes.append(f"update site {site.name}: {', '.join(sorted(changed))}")
    present = {user.username for _link, user in sites.site_admins(session, actor, site)}
    for username in admins:
        if str(username) not in present:
            sites.add_site_admin(session, actor, site, str(username))
            changes.append(f"add admin {username} to site {site.name}")
    return site


def _host(
    session: Session, actor: Actor, site: Site, entry: dict[str, Any], changes: list[str]
) -> None:
    values = {k: v for k, v in entry.items() if k not in HOST_EXTRA}
    host = session.scalar(select(Host).where(Host.site_id == site.id, Host.name == entry["name"]))
    if host is None:
        host = hosts.create_host(session, actor, site, values)
        changes.append(f"create host {host.name} in site {site.name}")
    else:
        changed = hosts.edit_host(session, actor, host, values)
        if changed:
            changes.append(f"update host {host.name}: {', '.join(sorted(changed))}")
    for item in _list(entry, "categories"):
        if not isinstance(item, dict) or not isinstance(item.get("category"), str):
            raise Invalid("categories: each needs a category name", field="categories")
        cat = carried.category(session, actor, item["category"])
        up2date = item.get("always_up2date", False)
        hc = carried.carried(session, host, cat)
        if hc is None:
            carried.add_category(session, actor, host, cat, always_up2date=bool(up2date))
            changes.append(f"add category {cat.name} to {host.name}")
        elif hc.always_up2date != bool(up2date):
            carried.set_category(session, actor, hc, always_up2date=bool(up2date))
            changes.append(f"set always_up2date={bool(up2date)} for {cat.name} on {host.name}")
    for item in _list(entry, "urls"):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise Invalid("urls: each needs a category and a url", field="urls")
        cat = carried.category(session, actor, str(item.get("category", "")))
        owned = session.scalar(
            select(HostCategoryUrl).where(HostCategoryUrl.url == item["url"].strip())
        )
        if owned is not None and owned.host_category.host_id == host.id:
            continue
        carried.add_url(
            session, actor, host, cat, item["url"], private=bool(item.get("private", False))
        )
        changes.append(f"add URL {item['url'].strip()} to {host.name}")
    for list_name, (key, column) in HOST_LISTS.items():
        for value in _list(entry, list_name):
            kind = items.kind(key)
            have = {getattr(i, column) for i in items.items(session, actor, host, key)}
            probe = (
                value.strip().upper() if key == "countries" and isinstance(value, str) else value
            )
            if isinstance(probe, str) and key != "countries":
                probe = probe.strip()
            if probe in have:
                continue
            items.add_item(session, actor, host, key, {column: value})
            changes.append(f"add {kind.label} {value} to {host.name}")
