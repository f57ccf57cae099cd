"""`mirrormanager report …`: read-only reports for operators and monitoring."""

from __future__ import annotations

import datetime as dt
import json

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.maintenance.last_sync import HostSync, format_age, last_sync_report

_HEADINGS = ("host", "age", "crawled", "checked in", "up to date", "newest repomd.xml")


@click.group("report")
def report() -> None:
    """Read-only reports on the mirror network."""


def _ago(now: dt.datetime, when: dt.datetime | None) -> str:
    return format_age(None if when is None else (now - when).total_seconds() / 3600)


def _row(host: HostSync, now: dt.datetime) -> tuple[str, ...]:
    share = host.share_up_to_date
    if share is None:
        dirs = "always" if host.always_up2date else "-"
    else:
        dirs = f"{host.up_to_date}/{host.directories} ({share:.0%})"
    return (
        host.name + (" (private)" if host.private else ""),
        format_age(host.age_hours(now)),
        _ago(now, host.last_crawled),
        _ago(now, host.last_checked_in),
        dirs,
        _ago(now, host.newest_repomd) if host.newest_repomd else "-",
    )


@report.command("last-sync")
@config_option
@click.option(
    "--max-age",
    type=click.FloatRange(min=0),
    default=None,
    metavar="HOURS",
    help="Exit 1 when a host was last crawled or checked in longer ago than this (or never).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@click.pass_context
def last_sync_command(ctx: click.Context, max_age: float | None, as_json: bool) -> None:
    """How old each active mirror's content is, oldest first.

    Age is the time since the host's last crawl or check-in; beside it, the share of its
    directories up to date and the age of the newest repomd.xml it is current for.
    """
    app = app_context()
    session = app.session()
    try:
        result = last_sync_report(session)
    finally:
        session.close()
    now = result.now
    stale = result.older_than(max_age) if max_age is not None else ()
    if as_json:
        document = {
            "generated": now.isoformat(),
            "max_age_hours": max_age,
            "hosts": [h.as_json(now) for h in result.hosts],
            "older_than_max_age": [h.name for h in stale],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        rows = [_HEADINGS, *(_row(h, now) for h in result.hosts)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADINGS))]
        for row in rows:
            click.echo(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        click.echo(f"{len(result.hosts)} active hosts")
    if stale:
        click.echo(
            f"{len(stale)} hosts not crawled or checked in for more than {max_age:g} hours: "
            + ", ".join(h.name for h in stale[:10])
            + (", …" if len(stale) > 10 else ""),
            err=True,
        )
        ctx.exit(1)
