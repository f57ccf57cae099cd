"""`mirrormanager site …`: sites, their administrators, and bulk import from a file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

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
from mirrormanager.db.models import Site
from mirrormanager.manage import access, importer, present, sites
from mirrormanager.manage.actor import Actor

F = TypeVar("F", bound=Callable[..., Any])


@click.group("site")
def site() -> None:
    """Create, list, change and delete sites; their admins; bulk import."""


def _password(option: str | None, from_stdin: bool) -> str | None:
    """--password, or one line of stdin (keeps it out of `ps` and shell history)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return option


def _site_values(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


@contextmanager
def _on_site(
    as_user: str | None, name: str, *, dry_run: bool = False
) -> Iterator[tuple[Session, Actor, Site]]:
    """`acting`, with the site NAME looked up as the actor may see it."""
    with acting(as_user, dry_run=dry_run) as (session, actor):
        yield session, actor, access.site(session, actor, name)


def _admin_arguments(func: F) -> F:
    """SITE USER, of `site admin add` and `site admin remove`."""
    func = click.argument("username", metavar="USER")(func)
    return click.argument("site_name", metavar="SITE")(func)


@site.command("add")
@acting_options
@click.argument("name")
@click.option("--org-url", default=None, help="The organisation's web page (http/https).")
@click.option("--private", is_flag=True, default=None, help="Keep the site out of public lists.")
@click.option("--password", default=None, help="Check-in password for report_mirror (8+ chars).")
@click.option("--password-stdin", is_flag=True, help="Read the check-in password from stdin.")
@click.option(
    "--admin", "admins", multiple=True, metavar="USER", help="Make USER a site admin (repeatable)."
)
@click.option("--comments", default=None, help="Notes for downstream mirrors.")
def add(
    name: str,
    org_url: str | None,
    private: bool | None,
    password: str | None,
    password_stdin: bool,
    admins: tuple[str, ...],
    comments: str | None,
    as_user: str | None,
) -> None:
    """Create the site NAME (enabled and active)."""
    values = _site_values(
        name=name,
        org_url=org_url,
        private=private,
        password=_password(password, password_stdin),
        downstream_comments=comments,
    )
    with acting(as_user) as (session, actor):
        created = sites.create_site(session, actor, values, admins=admins)
        click.echo(f"site {created.name} created (id {created.id})")


@site.command("list")
@acting_options
@json_option
def list_(as_json: bool, as_user: str | None) -> None:
    """The sites you manage (all of them for an admin)."""
    with acting(as_user) as (session, actor):
        found = session.scalars(access.visible_sites(actor).order_by(Site.name)).all()
        data = [present.site_dict(session, s) for s in found]
    emit(
        data,
        as_json,
        lambda: (
            "\n".join(
                f"{d['name']}\t{len(d['hosts'])} hosts\t{'private' if d['private'] else 'public'}"
                for d in data
            )
            or "no sites"
        ),
    )


@site.command("show")
@acting_options
@json_option
@click.argument("name")
def show(name: str, as_json: bool, as_user: str | None) -> None:
    """One site: its settings, hosts and admins."""
    with _on_site(as_user, name) as (session, _actor, found):
        data = present.site_dict(session, found)
    emit(data, as_json, lambda: _site_text(data))


def _site_text(data: dict[str, Any]) -> str:
    lines = [f"{key}: {data[key]}" for key in sorted(data) if key not in ("hosts", "admins")]
    lines.append("admins: " + (", ".join(data["admins"]) or "-"))
    lines.append("hosts: " + (", ".join(h["name"] for h in data["hosts"]) or "-"))
    return "\n".join(lines)


@site.command("edit")
@acting_options
@click.argument("name")
@click.option("--name", "new_name", default=None, help="Rename the site.")
@click.option("--org-url", default=None, help="The organisation's web page ('' clears it).")
@click.option("--private/--public", default=None, help="Keep out of / show in public lists.")
@click.option("--password", default=None, help="A new check-in password (8+ chars).")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@click.option("--active/--inactive", "user_active", default=None, help="The site admins' switch.")
@click.option(
    "--enabled/--disabled", "admin_active", default=None, help="The mirror admins' switch (admins)."
)
@click.option("--comments", default=None, help="Notes for downstream mirrors.")
@click.option("--reason", default=None, help="Why (kept in the audit log).")
def edit(
    name: str,
    new_name: str | None,
    org_url: str | None,
    private: bool | None,
    password: str | None,
    password_stdin: bool,
    user_active: bool | None,
    admin_active: bool | None,
    comments: str | None,
    reason: str | None,
    as_user: str | None,
) -> None:
    """Change the given settings of the site NAME."""
    values = _site_values(
        name=new_name,
        org_url=org_url,
        private=private,
        password=_password(password, password_stdin),
        user_active=user_active,
        admin_active=admin_active,
        downstream_comments=comments,
    )
    with _on_site(as_user, name) as (session, actor, found):
        changed = sites.edit_site(session, actor, found, values, reason=reason)
        click.echo(f"site {found.name}: " + (", ".join(sorted(changed)) or "nothing changed"))


@site.command("delete")
@acting_options
@click.argument("name")
@dry_run_option
def delete(name: str, dry_run: bool, as_user: str | None) -> None:
    """Delete the site NAME with its hosts, categories carried and URLs."""
    with _on_site(as_user, name, dry_run=dry_run) as (session, actor, found):
        summary = sites.delete_site(session, actor, found)
    say_deleted("site", name, summary, dry_run=dry_run)


@site.group("admin")
def admin() -> None:
    """The administrators of a site."""


@admin.command("add")
@acting_options
@_admin_arguments
def admin_add(site_name: str, username: str, as_user: str | None) -> None:
    """Make USER an administrator of SITE."""
    with _on_site(as_user, site_name) as (session, actor, found):
        sites.add_site_admin(session, actor, found, username)
    click.echo(f"{username} is now an admin of {site_name}")


@admin.command("remove")
@acting_options
@_admin_arguments
def admin_remove(site_name: str, username: str, as_user: str | None) -> None:
    """Remove USER from the administrators of SITE (a site keeps at least one)."""
    with _on_site(as_user, site_name) as (session, actor, found):
        link = sites.site_admin_link(session, actor, found, username)
        sites.remove_site_admin(session, actor, found, link)
    click.echo(f"{username} is no longer an admin of {site_name}")


@site.command("import")
@acting_options
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
def import_(path: Path, dry_run: bool, as_user: str | None) -> None:
    """Create or update sites and their hosts from FILE (.toml or .json), in one transaction.

    Running it twice changes nothing the second time. Items missing from the file are kept.
    """
    document = importer.load(path)
    with acting(as_user, dry_run=dry_run) as (session, actor):
        changes = importer.apply(session, actor, document)
    prefix = "would " if dry_run else ""
    for line in changes:
        click.echo(prefix + line)
    plural = "" if len(changes) == 1 else "s"
    click.echo(f"{len(changes)} change{plural}{' (dry run: nothing written)' if dry_run else ''}")
