"""`mirrormanager crawl` (= mm2_crawler): check which mirror directories are up to date."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from collections.abc import Iterator

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.notify import mail_notifier
from mirrormanager.crawler.plan import HostSelection, parse_shard
from mirrormanager.crawler.service import CrawlSummary, crawl
from mirrormanager.crawler.service import Progress as ProgressCallback
from mirrormanager.db.locks import job_lock
from mirrormanager.errors import ConfigError
from mirrormanager.settings import Settings

EXIT_INTERRUPTED = 130


def crawl_options(settings: Settings, **overrides: object) -> CrawlOptions:
    """CrawlOptions from the settings table, with command-line overrides (None: unset)."""
    options = CrawlOptions.from_settings(settings)
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - {f.name for f in dataclasses.fields(CrawlOptions)}
    if unknown:  # a programming error: a misspelt option must not pass silently
        raise TypeError(f"unknown crawl options: {', '.join(sorted(unknown))}")
    return dataclasses.replace(options, **given)  # type: ignore[arg-type]


def lock_name(start: int | None, stop: int | None, shard: tuple[int, int] | None) -> str:
    """One lock per host range, so the SOP's two crawler machines never block each other."""
    if shard is not None:
        return f"crawl-shard-{shard[0]}of{shard[1]}"
    if start is not None or stop:
        return f"crawl-ids-{start or 0}-{stop or 'end'}"
    return "crawl-all"


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[ProgressCallback | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("hosts"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TextColumn("{task.fields[rate]} hosts/min"),
        TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task("crawl", total=None, failed=0, rate="-")
        started = time.monotonic()

        def update(done: int, total: int, failed: int) -> None:
            rate = f"{done * 60 / max(time.monotonic() - started, 1e-3):.1f}"
            progress.update(task, completed=done, total=total, failed=failed, rate=rate)

        yield update


def print_summary(summary: CrawlSummary) -> None:
    for line in sorted(summary.hosts, key=lambda h: h.name):
        if line.status != "ok" or line.disabled or not line.stored:
            extra = " DISABLED" if line.disabled else ""
            extra += "" if line.stored else " (NOT STORED)"
            click.echo(f"{line.name}: {line.status}{extra}: {line.reason or ''}".rstrip(": "))
    failed = summary.count("failed") + summary.count("timeout")
    click.echo(
        f"hosts: {summary.total} selected, {summary.count('ok')} ok, {failed} failed "
        f"({summary.count('timeout')} timed out), {len(summary.disabled)} disabled, "
        f"{sum(h.reenabled for h in summary.hosts)} re-enabled; directories stale: "
        f"{summary.stale_dirs}; requests: {summary.requests}; {summary.seconds:.1f} s"
    )
    if summary.interrupted:
        click.echo(
            f"interrupted: {len(summary.hosts)} hosts stored, {summary.abandoned} in progress "
            f"left untouched, {summary.not_started} not started",
            err=True,
        )
    if summary.not_stored:
        click.echo(f"results NOT stored for: {', '.join(summary.not_stored)}", err=True)


@click.command("crawl")
@config_option
@click.argument("hosts", nargs=-1, metavar="[HOST]...")
@click.option("--startid", type=int, default=None, help="First host id to crawl.")
@click.option("--stopid", type=int, default=None, help="Crawl host ids below this one.")
@click.option("--shard", default=None, metavar="K/N", help="Crawl hosts with id % N == K-1.")
@click.option("--include-private", is_flag=True, help="Crawl private hosts too.")
@click.option("--category", "categories", multiple=True, metavar="NAME", help="Only this category.")
@click.option(
    "--repodata-only",
    "--repodata",
    "repodata_only",
    is_flag=True,
    help="Check only repodata/repomd.xml of each repository (fast mode).",
)
@click.option(
    "--timeout-minutes",
    "--host-timeout",
    "timeout_minutes",
    type=float,
    default=None,
    help="Total time limit per host (default: crawler_host_timeout_minutes).",
)
@click.option(
    "-t",
    "--threads",
    "--concurrency",
    "concurrency",
    type=click.IntRange(1, 1000),
    default=None,
    help="Hosts crawled at the same time (default: crawler_concurrency).",
)
@click.option("--no-propagation", is_flag=True, help="Do not record propagation counts.")
def crawl_command(
    hosts: tuple[str, ...],
    startid: int | None,
    stopid: int | None,
    shard: str | None,
    include_private: bool,
    categories: tuple[str, ...],
    repodata_only: bool,
    timeout_minutes: float | None,
    concurrency: int | None,
    no_propagation: bool,
) -> int:
    """Crawl mirrors and record which of their directories are up to date."""
    app = app_context()
    settings = app.settings
    for name in categories:
        settings.category(name)
    if shard is not None and (startid is not None or stopid is not None):
        raise ConfigError("--shard cannot be combined with --startid/--stopid")
    shard_tuple = parse_shard(shard) if shard else None
    selection = HostSelection(
        start_id=startid,
        stop_id=stopid,
        shard=shard_tuple,
        names=hosts,
        include_private=include_private,
        categories=categories,
        embargoed_countries=tuple(settings.embargoed_countries),
    )
    options = crawl_options(
        settings,
        concurrency=concurrency,
        host_timeout=timeout_minutes * 60 if timeout_minutes is not None else None,
        repodata_only=repodata_only,
        debug=app.debug,
        record_propagation=not no_propagation,
    )
    name = lock_name(startid, stopid, shard_tuple)
    with job_lock(app.engine, name, what=f"crawl ({name})"):
        session = app.session()
        try:
            with _progress(not app.debug) as progress:
                summary = crawl(
                    session, selection, options, notify=mail_notifier(settings), progress=progress
                )
        finally:
            session.close()
    print_summary(summary)
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return 0 if summary.ok else 1


@click.command("propagation")
@config_option
@click.option(
    "--repo",
    "repositories",
    multiple=True,
    metavar="PREFIX",
    help="Repository prefix to check, e.g. updates-released-f41 (repeatable; default all).",
)
@click.option("--category", "categories", multiple=True, metavar="NAME", help="Only this category.")
@click.option(
    "-t", "--threads", "--concurrency", "concurrency", type=click.IntRange(1, 1000), default=None
)
def propagation_command(
    repositories: tuple[str, ...], categories: tuple[str, ...], concurrency: int | None
) -> int:
    """Fetch repomd.xml from every active mirror and record propagation counts.

    Changes no verdict, counter or crawl log: only PropagationStat rows are added.
    """
    app = app_context()
    settings = app.settings
    for name in categories:
        settings.category(name)
    selection = HostSelection(
        categories=categories, embargoed_countries=tuple(settings.embargoed_countries)
    )
    options = crawl_options(
        settings, concurrency=concurrency, propagation_only=True, probe_reachability=False
    )
    with job_lock(app.engine, "propagation", what="propagation check"):
        session = app.session()
        try:
            summary = crawl(session, selection, options, repositories=repositories)
        finally:
            session.close()
    click.echo(
        f"propagation: {summary.total} hosts asked, {summary.count('ok')} answered, "
        f"{summary.propagation_rows} repositories recorded, {summary.seconds:.1f} s"
    )
    return EXIT_INTERRUPTED if summary.interrupted else 0
