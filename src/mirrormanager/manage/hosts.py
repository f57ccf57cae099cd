"""Hosts: create, edit, enable/disable, delete; their state as the lists show it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.core.host_state import STATE_CODES, HostState
from mirrormanager.db.models import Host, Site
from mirrormanager.errors import Conflict, Invalid
from mirrormanager.manage import access, audit, deletion
from mirrormanager.manage.actor import Actor, record
from mirrormanager.manage.fields import HOST_DEFAULTS, HOST_FIELDS, clean
from mirrormanager.manage.host_states import states

DISABLED_CODES = ("disabled_by_admins", "disabled_by_crawler", "disabled_by_you")
# what `list_hosts(state=…)` takes: a state code, or "disabled" for any of the three
STATE_FILTERS: tuple[str, ...] = (*STATE_CODES, "disabled")


def _check_admin_fields(actor: Actor, values: Mapping[str, Any]) -> None:
    for name in values:
        if HOST_FIELDS[name].admin:
            access.require_admin(actor, f"setting {name}", field=name)


def _name_taken(session: Session, site_id: int, name: str, host_id: int | None) -> None:
    stmt = select(Host.id).where(Host.site_id == site_id, Host.name == name)
    if host_id is not None:
        stmt = stmt.where(Host.id != host_id)
    if session.scalar(stmt) is not None:
        raise Conflict("This site has a host of this name already.", field="name")


def create_host(session: Session, actor: Actor, site: Site, values: Mapping[str, Any]) -> Host:
    """A new host of `site`; unset fields take the web form's defaults (enabled, active)."""
    access.site(session, actor, site.id)
    clean(HOST_FIELDS, values)
    _check_admin_fields(actor, values)
    merged = clean(HOST_FIELDS, {**HOST_DEFAULTS, **values})
    for required in ("name", "country"):
        if required not in merged:
            raise Invalid(f"{required} is required.", field=required)
    _name_taken(session, site.id, merged["name"], None)
    host = Host(site_id=site.id, **merged)
    session.add(host)
    session.flush()
    record(session, actor, "create", host, f"host {host.name} created in site {site.name}")
    return host


def edit_host(
    session: Session, actor: Actor, host: Host, values: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """Change the given fields; returns {field: [old, new]}."""
    access.host(session, actor, host.id)
    clean(HOST_FIELDS, values)
    _check_admin_fields(actor, values)
    current = {name: getattr(host, name) for name in HOST_FIELDS}
    merged = clean(HOST_FIELDS, {**current, **values})
    new = {n: v for n, v in merged.items() if n in values}
    if "name" in new:
        _name_taken(session, host.site_id, new["name"], host.id)
    if new.get("admin_active") and not host.admin_active:
        # An admin re-enabling a host also clears the crawler's verdict.
        new.update(disabled_by_crawler=False, crawl_failures=0)
    changed = audit.changes(host, new)
    if changed:
        record(session, actor, "update", host, f"host {host.name} edited", changes=changed)
    return changed


def set_host_enabled(
    session: Session, actor: Actor, host: Host, enable: bool, reason: str | None = None
) -> dict[str, list[Any]]:
    """The admins' switch: disabling needs a reason (the host's admins see it)."""
    access.host(session, actor, host.id)
    access.require_admin(actor, "enabling or disabling a host", field="admin_active")
    reason = (reason or "").strip() or None
    if not enable and not reason:
        raise Invalid("Say why the host is disabled; its admins see it.", field="reason")
    values: dict[str, Any] = {"admin_active": enable, "disable_reason": None if enable else reason}
    if enable:
        values.update(disabled_by_crawler=False, crawl_failures=0)
    changed = audit.changes(host, values)
    verb = "enabled" if enable else "disabled"
    record(
        session,
        actor,
        "enable" if enable else "disable",
        host,
        f"host {host.name} {verb} by an admin",
        changes=changed,
        reason=reason,
    )
    return changed


def delete_host(session: Session, actor: Actor, host: Host) -> deletion.DeleteSummary:
    access.host(session, actor, host.id)
    return deletion.delete(session, actor, host)


def list_hosts(
    session: Session,
    actor: Actor,
    *,
    site: Site | None = None,
    state: str | None = None,
    auto_disable: int = 4,
) -> list[tuple[Host, HostState]]:
    """The actor's hosts (of one site), by site and name, with the one state the web pages
    and the API show (`core.host_state`); `state` keeps the hosts in that state
    (`STATE_FILTERS`); `auto_disable` is the crawler_auto_disable setting."""
    if state is not None and state not in STATE_FILTERS:
        raise Invalid(f"no host state {state!r}", field="state", hint=", ".join(STATE_FILTERS))
    stmt = access.visible_hosts(actor).join(Site, Site.id == Host.site_id)
    if site is not None:
        stmt = stmt.where(Host.site_id == access.site(session, actor, site.id).id)
    hosts = session.scalars(stmt.order_by(Site.name, Host.name)).all()
    found = states(
        session, hosts, auto_disable=auto_disable, viewer_is_site_admin=not actor.is_admin
    )
    wanted = set(DISABLED_CODES) if state == "disabled" else {state}
    return [(h, found[h.id]) for h in hosts if state is None or found[h.id].code in wanted]
