"""`mirrormanager host …`: hosts and what they carry; `url` and `netblock` shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from mirrormanager.cli.acting import (
    acting,
    acting_options,
    dry_run_option,
    emit,
    json_option,
    say_deleted,
)
from mirrormanager.cli.context import app_context
from mirrormanager.db.models import Host
from mirrormanager.manage import access, carried, hosts, items, present
from mirrormanager.manage.actor import Actor
from mirrormanager.manage.host_states import states

HOST_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--country",), {"default": None, "help": "Two-letter country code, e.g. DE."}),
    (
        ("--bandwidth", "bandwidth_int"),
        {"type": int, "default": None, "help": "Mbit/s (the weight)."},
    ),
    (("--max-connections",), {"type": int, "default": None, "help": "Connections to the master."}),
    (("--private/--public",), {"default": None, "help": "Hidden from / shown to the public."}),
    (("--asn",), {"type": int, "default": None, "help": "The host's autonomous system number."}),
    (
        ("--asn-clients/--no-asn-clients",),
        {"default": None, "help": "Serve all clients of the host's ASN."},
    ),
    (("--internet2/--no-internet2",), {"default": None, "help": "On Internet2."}),
    (
        ("--internet2-clients/--no-internet2-clients",),
        {"default": None, "help": "Serves Internet2 clients."},
    ),
    (("--contact", "robot_email"), {"default": None, "help": "Contact e-mail of the host."}),
    (("--latitude",), {"type": float, "default": None, "help": "-90 … 90."}),
    (("--longitude",), {"type": float, "default": None, "help": "-180 … 180."}),
    (("--comment",), {"default": None, "help": "A note for the admins."}),
]


def host_options(func: Any) -> Any:
    for decls, kwargs in reversed(HOST_OPTIONS):
        func = click.option(*decls, **kwargs)(func)
    return func


def _values(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


_site_option = click.option(
    "--site", "site_name", default=None, help="The host's site (if names clash)."
)
_host_argument = click.argument("host_name", metavar="HOST")
_category_argument = click.argument("category_name", metavar="CATEGORY")


@contextmanager
def _on_host(
    as_user: str | None, name: str, site_name: str | None = None, *, dry_run: bool = False
) -> Iterator[tuple[Session, Actor, Host]]:
    """`acting`, with the host NAME (of the site SITE) looked up as the actor may see it."""
    with acting(as_user, dry_run=dry_run) as (session, actor):
        yield session, actor, access.host(session, actor, name, site_ref=site_name)


@click.group("host")
def host() -> None:
    """Create, list, change, enable, disable and delete hosts; what they carry."""


@host.command("add")
@acting_options
@click.argument("site_name", metavar="SITE")
@click.argument("name")
@host_options
def add(site_name: str, name: str, as_user: str | None, **options: Any) -> None:
    """Create the host NAME in SITE (enabled; --country is required)."""
    with acting(as_user) as (session, actor):
        site = access.site(session, actor, site_name)
        created = hosts.create_host(session, actor, site, {"name": name, **_values(options)})
        click.echo(f"host {created.name} created in {site.name} (id {created.id})")


@host.command("list")
@acting_options
@json_option
@click.option("--site", "site_name", default=None, help="Only the hosts of this site.")
@click.option(
    "--state",
    type=click.Choice(hosts.STATE_FILTERS),
    default=None,
    help="Only the hosts in this state (disabled: by anyone).",
)
def list_(site_name: str | None, state: str | None, as_json: bool, as_user: str | None) -> None:
    """Your hosts (all for an admin) with the state the web pages show: enabled, stale,
    failing, never crawled, or disabled (by the site's admins, the admins or the crawler)."""
    with acting(as_user) as (session, actor):
        site = access.site(session, actor, site_name) if site_name else None
        rows = hosts.list_hosts(
            session, actor, site=site, state=state, auto_disable=_auto_disable()
        )
        data: list[dict[str, Any]] = [
            {
                "id": h.id,
                "site": h.site.name,
                "name": h.name,
                "country": h.country,
                "state": s.as_dict(),
            }
            for h, s in rows
        ]
        text = "\n".join(f"{h.site.name}\t{h.name}\t{h.country}\t{s.label}" for h, s in rows)
    emit(data, as_json, lambda: text or "no hosts")


def _auto_disable() -> int:
    return app_context().settings.crawler_auto_disable


@host.command("show")
@acting_options
@json_option
@_site_option
@click.argument("name")
def show(name: str, site_name: str | None, as_json: bool, as_user: str | None) -> None:
    """One host: settings, state, categories, URLs and the lists that hang off it."""
    with _on_host(as_user, name, site_name) as (session, actor, found):
        current = states(
            session,
            [found],
            auto_disable=_auto_disable(),
            viewer_is_site_admin=not actor.is_admin,
            with_paths=True,
        )[found.id]
        data = present.host_dict(session, found, public=False, state=current.as_dict())
    emit(data, as_json, lambda: _host_text(data))


def _host_text(data: dict[str, Any]) -> str:
    skip = {"categories", "urls", "state", *(k.replace("-", "_") for k in items.KINDS)}
    lines = [f"{key}: {data[key]}" for key in sorted(data) if key not in skip]
    state = data["state"]
    offered = "offered to clients" if state["offered"] else "not offered to clients"
    lines.append(f"state: {state['label']} ({offered}): {state['detail']}")
    for stale in state["stale"]:
        lines.append(f"  stale in {stale['category']}: {stale['stale']} of {stale['total']}")
    for hc in data["categories"]:
        up = " (always up to date)" if hc.get("always_up2date") else ""
        lines.append(f"carries {hc['category']}{up}: {', '.join(hc['urls']) or 'no URLs'}")
    for key in items.KINDS:
        values = [
            str(next(v for k, v in i.items() if k != "id")) for i in data[key.replace("-", "_")]
        ]
        lines.append(f"{key}: {', '.join(values) or '-'}")
    return "\n".join(lines)


@host.command("edit")
@acting_options
@click.argument("name")
@_site_option
@click.option("--name", "new_name", default=None, help="Rename the host.")
@click.option("--active/--inactive", "user_active", default=None, help="The site admins' switch.")
@host_options
def edit(
    name: str, site_name: str | None, new_name: str | None, as_user: str | None, **options: Any
) -> None:
    """Change the given settings of the host NAME."""
    values = _values({"name": new_name, **options})
    with _on_host(as_user, name, site_name) as (session, actor, found):
        changed = hosts.edit_host(session, actor, found, values)
        click.echo(f"host {found.name}: " + (", ".join(sorted(changed)) or "nothing changed"))


@host.command("enable")
@acting_options
@click.argument("name")
@_site_option
def enable(name: str, site_name: str | None, as_user: str | None) -> None:
    """Enable the host (admins); clears the crawler's failures."""
    with _on_host(as_user, name, site_name) as (session, actor, found):
        hosts.set_host_enabled(session, actor, found, True)
    click.echo(f"host {name} enabled")


@host.command("disable")
@acting_options
@click.argument("name")
@_site_option
@click.option("--reason", required=True, help="Why (the host's admins see it).")
def disable(name: str, site_name: str | None, reason: str, as_user: str | None) -> None:
    """Disable the host (admins)."""
    with _on_host(as_user, name, site_name) as (session, actor, found):
        hosts.set_host_enabled(session, actor, found, False, reason)
    click.echo(f"host {name} disabled")


@host.command("delete")
@acting_options
@click.argument("name")
@_site_option
@dry_run_option
def delete(name: str, site_name: str | None, dry_run: bool, as_user: str | None) -> None:
    """Delete the host with its categories, URLs and netblocks."""
    with _on_host(as_user, name, site_name, dry_run=dry_run) as (session, actor, found):
        summary = hosts.delete_host(session, actor, found)
    say_deleted("host", name, summary, dry_run=dry_run)


# --- categories carried -------------------------------------------------------------------
@host.group("category")
def category() -> None:
    """The categories a host carries."""


@category.command("add")
@acting_options
@_host_argument
@_category_argument
@click.option("--always-up2date", is_flag=True, help="Never crawl; always up to date (admins).")
def category_add(
    host_name: str, category_name: str, always_up2date: bool, as_user: str | None
) -> None:
    """HOST carries CATEGORY from now on."""
    with _on_host(as_user, host_name) as (session, actor, found):
        cat = carried.category(session, actor, category_name)
        carried.add_category(session, actor, found, cat, always_up2date=always_up2date)
    click.echo(f"{host_name} carries {category_name}")


@category.command("set")
@acting_options
@_host_argument
@_category_argument
@click.option(
    "--always-up2date/--crawled", required=True, help="Never crawl it, or crawl it (admins)."
)
def category_set(
    host_name: str, category_name: str, always_up2date: bool, as_user: str | None
) -> None:
    """Change how HOST's CATEGORY is checked."""
    with _on_host(as_user, host_name) as (session, actor, found):
        cat = carried.category(session, actor, category_name)
        hc = carried.carried_or_404(session, found, cat)
        carried.set_category(session, actor, hc, always_up2date=always_up2date)
    click.echo(f"{category_name} on {host_name}: always_up2date={always_up2date}")


@category.command("remove")
@acting_options
@_host_argument
@_category_argument
def category_remove(host_name: str, category_name: str, as_user: str | None) -> None:
    """HOST no longer carries CATEGORY (its URLs go too)."""
    with _on_host(as_user, host_name) as (session, actor, found):
        cat = carried.category(session, actor, category_name)
        carried.remove_category(session, actor, carried.carried_or_404(session, found, cat))
    click.echo(f"{host_name} no longer carries {category_name}")


# --- the simple lists: one add/remove pair per kind ----------------------------------------
def _item_group(name: str, key: str, metavar: str, value_type: Any, doc: str) -> click.Group:
    group = click.Group(name, help=doc)
    column = items.kind(key).unique

    @group.command("add")
    @acting_options
    @_host_argument
    @click.argument("value", metavar=metavar, type=value_type)
    def add_cmd(host_name: str, value: Any, as_user: str | None) -> None:
        with _on_host(as_user, host_name) as (session, actor, found):
            if key == "locations":
                value = items.location(session, value).id
            item = items.add_item(session, actor, found, key, {column: value})
            click.echo(f"added {items.kind(key).label} {items.kind(key).describe(item)}")

    @group.command("remove")
    @acting_options
    @_host_argument
    @click.argument("value", metavar=metavar, type=value_type)
    def remove_cmd(host_name: str, value: Any, as_user: str | None) -> None:
        with _on_host(as_user, host_name) as (session, actor, found):
            item = items.find_item(session, actor, found, key, value)
            label = f"{items.kind(key).label} {items.kind(key).describe(item)}"
            items.remove_item(session, actor, found, key, item)
        click.echo(f"removed {label}")

    add_cmd.help = f"Add {metavar} to HOST."
    remove_cmd.help = f"Remove {metavar} from HOST."
    return group


host.add_command(
    _item_group("country-allowed", "countries", "CC", str, "Countries a host serves only.")
)
host.add_command(
    _item_group("acl-ip", "acl-ips", "ADDR", str, "Addresses that may rsync from the master.")
)
host.add_command(
    _item_group("peer-asn", "peer-asns", "ASN", int, "Peer ASNs whose clients a host serves.")
)
host.add_command(
    _item_group("location", "locations", "LOCATION", str, "Locations a host serves (admins).")
)
netblock = _item_group(
    "netblock", "netblocks", "CIDR", str, "Netblocks whose clients a host serves first."
)


@click.group("url")
def url() -> None:
    """The URLs a host serves a category at."""


@url.command("add")
@acting_options
@_host_argument
@_category_argument
@click.argument("address", metavar="URL")
@click.option("--private", is_flag=True, help="For other mirrors only, not for clients.")
def url_add(
    host_name: str, category_name: str, address: str, private: bool, as_user: str | None
) -> None:
    """Serve CATEGORY at URL on HOST (HOST then carries CATEGORY)."""
    with _on_host(as_user, host_name) as (session, actor, found):
        cat = carried.category(session, actor, category_name)
        row = carried.add_url(session, actor, found, cat, address, private=private)
        click.echo(f"URL {row.url} added to {found.name} ({cat.name})")


@url.command("remove")
@acting_options
@_host_argument
@click.argument("address", metavar="URL")
def url_remove(host_name: str, address: str, as_user: str | None) -> None:
    """Remove URL from HOST."""
    with _on_host(as_user, host_name) as (session, actor, found):
        carried.remove_url(session, actor, carried.find_url(session, actor, found, address))
    click.echo(f"URL {address} removed from {host_name}")
