"""`mm2_crawler` in MirrorManager2's command-line shape: a group of host-selection options
and the subcommands `crawl [--canary] [--repodata]` and `propagation [--product P]
[--version V]`, so deployed cron lines and runbooks keep working unchanged. The flat form
(`mm2_crawler --startid 0 --stopid 3000`, the same as `mirrormanager crawl`) stays; the
alias picks the shape from the first word that is not an option (`pick_command`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from types import FrameType
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.cli.crawl import (
    EXIT_INTERRUPTED,
    crawl_command,
    crawl_options,
    lock_name,
    print_summary,
)
from mirrormanager.crawler.canary import canary
from mirrormanager.crawler.mm2_selection import (
    CONTINENTS,
    parse_continents,
    parse_fraction,
    select_host_ids,
)
from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.notify import mail_notifier
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import crawl
from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import Product, Repository, Version
from mirrormanager.errors import ConfigError

SUBCOMMANDS = ("crawl", "propagation")
DEFAULT_GLOBAL_TIMEOUT_MINUTES = 360  # MirrorManager2's
EXIT_GLOBAL_TIMEOUT = 1  # MirrorManager2 exits 1 after a global timeout unless --no-fail
# Options of either shape that take a value, to tell a value from the subcommand word.
_VALUED = {
    "-c",
    "--config",
    "--category",
    "-t",
    "--threads",
    "--concurrency",
    "--global-timeout",
    "--host-timeout",
    "--timeout-minutes",
    "--startid",
    "--stopid",
    "-f",
    "--fraction",
    "--continent",
    "--shard",
}


def pick_command(args: Sequence[str]) -> click.Command:
    """MirrorManager2's group when the first positional word is a subcommand, else the flat
    command (whose positional arguments are host names)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--":
            break
        if arg.startswith("-"):
            skip = arg in _VALUED  # "--opt=value" carries its value
            continue
        return mm2_crawler if arg in SUBCOMMANDS else crawl_command
    return crawl_command


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(dict)["debug"] = True


@click.group(
    "mm2_crawler",
    epilog="The flat form `mm2_crawler [OPTIONS] [HOST]...` (= `mirrormanager crawl`) works "
    "too. --config is MirrorManager's TOML settings file, not mirrormanager2.cfg.",
)
@config_option
@click.option("-d", is_flag=True, expose_value=False, callback=_set_debug, help="Same as --debug.")
@click.option("--include-private", is_flag=True, help="Crawl hosts marked private too.")
@click.option(
    "--include-disabled/--exclude-disabled",
    default=False,
    help="Crawl hosts their admins disabled too.",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="NAME",
    help="Only hosts carrying this category, and only it (repeatable).",
)
@click.option(
    "-t",
    "--threads",
    type=click.IntRange(1, 1000),
    default=None,
    help="Hosts crawled at the same time (default: crawler_concurrency).",
)
@click.option(
    "--global-timeout",
    type=click.IntRange(min=1),
    default=DEFAULT_GLOBAL_TIMEOUT_MINUTES,
    show_default=True,
    help="Stop the whole run after this many minutes; finished hosts stay stored.",
)
@click.option(
    "--host-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Minutes per host (default: crawler_host_timeout_minutes).",
)
@click.option("--startid", type=int, default=0, metavar="ID", help="Start at host ID.")
@click.option(
    "--stopid", type=int, default=0, metavar="ID", help="Stop before host ID (0 = no limit)."
)
@click.option(
    "-f",
    "--fraction",
    default="1:1",
    show_default=True,
    help="Part P of N of the sorted host ids: 1:2 the first half, 2:3 the middle third.",
)
@click.option(
    "--disable-fedmsg",
    is_flag=True,
    help="Accepted for compatibility; MirrorManager sends no fedora-messaging messages.",
)
@click.option(
    "--continent",
    "continents",
    multiple=True,
    metavar="CODE",
    help=f"Only hosts on this continent ({' '.join(CONTINENTS)}); ^CODE excludes (repeatable).",
)
@click.option("--no-fail", is_flag=True, help="Always exit with status 0 once the run started.")
@click.pass_context
def mm2_crawler(ctx: click.Context, /, **options: Any) -> None:
    """Crawl mirrors (MirrorManager2's command line)."""
    fraction = parse_fraction(options["fraction"])
    if fraction != (1, 1) and (options["startid"] or options["stopid"]):
        raise click.BadOptionUsage("--fraction", "Cannot use --fraction with --startid or --stopid")
    parse_continents(options["continents"])  # a typo fails before any work
    ctx.ensure_object(dict)["mm2"] = options


def _host_ids(options: dict[str, Any]) -> tuple[HostSelection, tuple[int, ...]]:
    app = app_context()
    settings = app.settings
    for name in options["categories"]:
        settings.category(name)
    selection = HostSelection(
        start_id=options["startid"] or None,
        stop_id=options["stopid"] or None,
        include_private=options["include_private"],
        include_disabled=options["include_disabled"],
        categories=tuple(options["categories"]),
        embargoed_countries=tuple(settings.embargoed_countries),
    )
    session = app.session()
    try:
        ids = select_host_ids(
            session,
            selection,
            fraction=parse_fraction(options["fraction"]),
            continents=parse_continents(options["continents"]),
        )
    finally:
        session.close()
    return selection, ids


def _lock_name(options: dict[str, Any]) -> str:
    if options["fraction"] != "1:1":
        part, slices = parse_fraction(options["fraction"])
        name = f"crawl-fraction-{part}of{slices}"
    else:
        name = lock_name(options["startid"] or None, options["stopid"] or None, None)
    if options["continents"]:
        name += "-" + "-".join(sorted(c.upper().replace("^", "not") for c in options["continents"]))
    return name


@contextlib.contextmanager
def global_deadline(seconds: float) -> Iterator[threading.Event]:
    """After ``seconds``, stop the run as SIGTERM does (the crawler stores every finished
    host and leaves the others untouched); the event tells it was the deadline."""
    fired = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)

    def before_loop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # the deadline passed while planning: nothing was written

    def fire() -> None:
        fired.set()
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, before_loop)
    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)


def _exit(code: int, options: dict[str, Any]) -> int:
    return 0 if options["no_fail"] else code


@mm2_crawler.command("crawl")
@click.option("--canary", is_flag=True, help="Only check that each mirror answers.")
@click.option("--repodata", is_flag=True, help="Only check the repodata of each repository.")
@click.pass_context
def mm2_crawl(ctx: click.Context, canary: bool, repodata: bool) -> int:
    """Crawl the selected mirrors and record which of their directories are up to date."""
    options = ctx.obj["mm2"]
    app = app_context()
    selection, ids = _host_ids(options)
    crawl_opts = crawl_options(
        app.settings,
        concurrency=options["threads"],
        host_timeout=options["host_timeout"] * 60 if options["host_timeout"] else None,
        repodata_only=repodata,
        debug=app.debug,
    )
    name = _lock_name(options)
    with job_lock(app.engine, name, what=f"crawl ({name})"):
        session = app.session()
        try:
            if canary:
                # Silent mirrors are an expected finding, recorded; not a failed run.
                canary_run(session, ids, crawl_opts)
                return 0
            with global_deadline(options["global_timeout"] * 60) as deadline:
                summary = crawl(
                    session,
                    _only(selection, ids),
                    crawl_opts,
                    notify=mail_notifier(app.settings),
                )
        finally:
            session.close()
    print_summary(summary)
    if summary.interrupted and deadline.is_set():
        click.echo(f"Crawler failed after {summary.seconds:.0f} s: global timeout", err=True)
        return _exit(EXIT_GLOBAL_TIMEOUT, options)
    if summary.interrupted:
        return _exit(EXIT_INTERRUPTED, options)
    return _exit(0 if summary.ok else 1, options)


def _only(selection: HostSelection, ids: tuple[int, ...]) -> HostSelection:
    return replace(selection, ids=ids)


def canary_run(session: Session, ids: tuple[int, ...], options: CrawlOptions) -> bool:
    summary = canary(session, ids, options)
    for result in sorted(summary.failed, key=lambda r: r.name):
        click.echo(f"{result.name}: no answer: {result.detail}")
    click.echo(
        f"canary: {len(summary.results)} hosts asked, {len(summary.results) - len(summary.failed)} "
        f"answered, {len(summary.failed)} silent ({summary.marked_stale} directories marked not "
        f"up to date); {summary.seconds:.1f} s"
    )
    return not summary.failed


@mm2_crawler.command("propagation")
@click.option("--product", default=None, help="Product to check (default: all).")
@click.option("--version", default=None, help="Version to check (needs --product).")
@click.pass_context
def mm2_propagation(ctx: click.Context, product: str | None, version: str | None) -> int:
    """Fetch repomd.xml from every active mirror and record propagation counts."""
    options = ctx.obj["mm2"]
    if version and not product:
        raise click.BadOptionUsage(
            "--version", "if you select a version, you must select a product."
        )
    app = app_context()
    selection, ids = _host_ids(options)
    session = app.session()
    try:
        prefixes = _repository_prefixes(session, product, version)
    finally:
        session.close()
    crawl_opts = crawl_options(
        app.settings,
        concurrency=options["threads"],
        propagation_only=True,
        probe_reachability=False,
    )
    with job_lock(app.engine, "propagation", what="propagation check"):
        session = app.session()
        try:
            with global_deadline(options["global_timeout"] * 60) as deadline:
                summary = crawl(session, _only(selection, ids), crawl_opts, repositories=prefixes)
        finally:
            session.close()
    click.echo(
        f"propagation: {summary.total} hosts asked, {summary.count('ok')} answered, "
        f"{summary.propagation_rows} repositories recorded, {summary.seconds:.1f} s"
    )
    if summary.interrupted:
        code = EXIT_GLOBAL_TIMEOUT if deadline.is_set() else EXIT_INTERRUPTED
        return _exit(code, options)
    return _exit(0, options)


def _repository_prefixes(
    session: Session, product: str | None, version: str | None
) -> tuple[str, ...]:
    """Repo prefixes of a product (and version); () = every repository."""
    if not product:
        return ()
    stmt = (
        select(Repository.prefix)
        .join(Version, Repository.version_id == Version.id)
        .join(Product, Version.product_id == Product.id)
        .where(Product.name == product, Repository.prefix.is_not(None), ~Repository.disabled)
    )
    if version:
        stmt = stmt.where(Version.name == version)
    prefixes = tuple(sorted({p for p in session.scalars(stmt) if p}))
    if not prefixes:
        what = f"{product} {version}" if version else product
        raise ConfigError(f"no repository with a repo id belongs to {what}")
    return prefixes
