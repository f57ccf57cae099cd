"""The simple lists that hang off a host: netblocks, peer ASNs, countries allowed, ACL
addresses and locations. One table describes each kind; one add/remove pair serves all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Host,
    HostAclIp,
    HostCountryAllowed,
    HostLocation,
    HostNetblock,
    HostPeerAsn,
    Location,
)
from mirrormanager.errors import Conflict, Forbidden, Invalid, NotFound
from mirrormanager.manage import access, validation
from mirrormanager.manage.actor import Actor, record
from mirrormanager.manage.fields import Field, clean, lookup_text


@dataclass(frozen=True)
class ItemKind:
    key: str  # as in URLs: /hosts/<id>/<key>
    label: str
    model: type[Any]
    fields: dict[str, Field]
    unique: str  # the column that names an item of a host
    describe: Callable[[Any], str]
    admin_only: bool = False


def _ip_network(value: str) -> str | None:
    return validation.ip_or_network_problem(value)


KINDS: dict[str, ItemKind] = {
    kind.key: kind
    for kind in (
        ItemKind(
            "netblocks",
            "netblock",
            HostNetblock,
            {
                "netblock": Field(str, max_length=64, check=validation.netblock_problem),
                "name": Field(str, nullable=True, max_length=100),
            },
            "netblock",
            lambda o: str(o.netblock),
        ),
        ItemKind(
            "peer-asns",
            "peer ASN",
            HostPeerAsn,
            {
                "asn": Field(int, check=validation.asn_problem),
                "name": Field(str, nullable=True, max_length=100),
            },
            "asn",
            lambda o: f"AS{o.asn}",
            admin_only=True,
        ),
        ItemKind(
            "countries",
            "allowed country",
            HostCountryAllowed,
            {"country": Field(str, upper=True, check=validation.country_problem)},
            "country",
            lambda o: str(o.country),
        ),
        ItemKind(
            "acl-ips",
            "ACL IP",
            HostAclIp,
            {"ip": Field(str, max_length=64, check=_ip_network)},
            "ip",
            lambda o: str(o.ip),
        ),
        ItemKind(
            "locations",
            "location",
            HostLocation,
            {"location_id": Field(int, low=1, high=access.MAX_ID)},
            "location_id",
            lambda o: f"location {o.location_id}",
            admin_only=True,
        ),
    )
}


def kind(key: str) -> ItemKind:
    found = KINDS.get(key)
    if found is None:
        raise NotFound(f"no kind of host item {key!r}", hint=f"one of {', '.join(KINDS)}")
    return found


def netblock_admin_problem(actor: Actor, netblock: str) -> str | None:
    """Why this actor may not add this netblock (too large and public), or None."""
    v4, v6 = actor.netblock_max_prefix_v4, actor.netblock_max_prefix_v6
    if not actor.is_admin and validation.netblock_needs_admin(netblock, v4, v6):
        return (
            f"Public netblocks larger than /{v4} (IPv4) or /{v6} (IPv6) can only be "
            "added by an administrator; ask the mirror admins."
        )
    return None


def location(session: Session, ref: int | str) -> Location:
    if isinstance(ref, str) and ref.isdigit():
        ref = int(ref)
    if isinstance(ref, int):
        found = session.get(Location, ref) if 0 < ref <= access.MAX_ID else None
    else:
        found = session.scalar(
            select(Location).where(Location.name == lookup_text("location", ref))
        )
    if found is None:
        raise Invalid(f"Unknown location {ref!r}.", field="location_id")
    return found


def items(session: Session, actor: Actor, host: Host, key: str) -> list[Any]:
    k = kind(key)
    access.host(session, actor, host.id)
    column = getattr(k.model, k.unique)
    return list(session.scalars(select(k.model).where(k.model.host_id == host.id).order_by(column)))


def add_item(
    session: Session, actor: Actor, host: Host, key: str, values: Mapping[str, Any]
) -> Any:
    k = kind(key)
    access.host(session, actor, host.id)
    if k.admin_only:
        access.require_admin(actor, f"adding a {k.label}", field=k.unique)
    if k.unique not in values:
        raise Invalid(f"{k.unique} is required.", field=k.unique)
    clean_values = clean(k.fields, values)
    if k.key == "netblocks":
        problem = netblock_admin_problem(actor, clean_values["netblock"])
        if problem:
            raise Forbidden(problem, field="netblock")
    if k.key == "locations":
        location(session, clean_values["location_id"])
    unique = getattr(k.model, k.unique)
    duplicate = session.scalar(
        select(k.model.id).where(k.model.host_id == host.id, unique == clean_values[k.unique])
    )
    if duplicate is not None:
        raise Conflict(f"The host has this {k.label} already.", field=k.unique)
    item = k.model(host_id=host.id, **clean_values)
    session.add(item)
    session.flush()
    record(
        session,
        actor,
        "create",
        item,
        f"{k.label} {k.describe(item)} added to host {host.name}",
        host_id=host.id,
        **clean_values,
    )
    return item


def find_item(session: Session, actor: Actor, host: Host, key: str, value: Any) -> Any:
    """The item of `host` whose unique column equals `value` (as the CLI names it)."""
    k = kind(key)
    access.host(session, actor, host.id)
    spec = k.fields[k.unique]
    if spec.kind is int and isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if k.key == "locations":
        value = location(session, value).id
    cleaned = clean(k.fields, {k.unique: value})[k.unique]
    unique = getattr(k.model, k.unique)
    item = session.scalar(select(k.model).where(k.model.host_id == host.id, unique == cleaned))
    if item is None:
        raise NotFound(f"{host.name} has no {k.label} {value!r}", field=k.unique)
    return item


def remove_item(session: Session, actor: Actor, host: Host, key: str, item: Any) -> None:
    k = kind(key)
    access.host_item(session, actor, k.model, item.id, host.id)
    if k.admin_only:
        access.require_admin(actor, f"removing a {k.label}", field=k.unique)
    record(
        session,
        actor,
        "delete",
        item,
        f"{k.label} {k.describe(item)} removed from host {host.name}",
        host_id=host.id,
    )
    session.delete(item)
    session.flush()
