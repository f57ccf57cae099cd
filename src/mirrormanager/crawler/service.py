"""The crawl: plan from the database, check hosts concurrently, store each host at once.

Concurrency is bounded by ``options.concurrency`` hosts at a time (plus, for their first
light request only, ``options.hosts_ahead``: see ``schedule.py``) and, within a host, by
its ``max_connections``; every host has a total time limit, so one hung mirror costs at
most that. Each host's result is written in one transaction as soon as it finishes, by
one writer thread: a commit (and the crawl log's fsync) takes tens of milliseconds on a
busy disk, which inside the event loop stalled every other host's requests (27 s of a
32 s benchmark crawl). A write that has begun is never cancelled: on Ctrl-C or SIGTERM the
crawl waits for it, so every host is either fully updated or untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mirrormanager.crawler.hostlog import HostLogBuffer, write_host_log
from mirrormanager.crawler.http import ClientFactory, HttpConnector, default_client
from mirrormanager.crawler.model import (
    Admit,
    CategoryOutcome,
    Connector,
    CrawlError,
    CrawlOptions,
    DisabledNotifier,
    HostOutcome,
    HostPlan,
    HostStatus,
)
from mirrormanager.crawler.notify import log_only
from mirrormanager.crawler.plan import HostSelection, PlanBuilder, select_hosts
from mirrormanager.crawler.propagation import count_buckets, merge_counts, write_propagation
from mirrormanager.crawler.reach import probe
from mirrormanager.crawler.rsync import RsyncConnector
from mirrormanager.crawler.schedule import HostGate, RankedSlots
from mirrormanager.crawler.store import StoreResult, store_outcome
from mirrormanager.db.models import Host, SiteAdmin, User
from mirrormanager.logging import get_logger

log = get_logger(__name__)

# Progress callback: (hosts done, hosts total, hosts failed).
Progress = Callable[[int, int, int], None]
ConnectorFactory = Callable[[HostPlan, CrawlOptions, ClientFactory], Connector]


def _http(host: HostPlan, options: CrawlOptions, client_factory: ClientFactory) -> Connector:
    return HttpConnector(client_factory(host, options), host, options)


def _rsync(host: HostPlan, options: CrawlOptions, client_factory: ClientFactory) -> Connector:
    return RsyncConnector()


# URL scheme -> connector; one connector per host and kind, shared by its categories.
CONNECTORS: dict[str, ConnectorFactory] = {"http": _http, "https": _http, "rsync": _rsync}


@dataclass(slots=True)
class HostLine:
    host_id: int
    name: str
    status: str
    reason: str | None
    seconds: float
    requests: int
    stale: int
    stored: bool
    disabled: bool = False
    reenabled: bool = False
    started: float = 0.0  # epoch seconds of its first request
    waited: float = 0.0  # seconds waiting for a crawl slot, not in ``seconds``


@dataclass(slots=True)
class CrawlSummary:
    total: int = 0
    hosts: list[HostLine] = field(default_factory=list)
    interrupted: bool = False
    not_started: int = 0
    abandoned: int = 0  # in progress when interrupted; left untouched
    propagation_rows: int = 0
    seconds: float = 0.0
    plan_seconds: float = 0.0  # reading hosts and directories before the first request

    def count(self, status: str) -> int:
        return sum(1 for h in self.hosts if h.status == status)

    @property
    def disabled(self) -> list[str]:
        return [h.name for h in self.hosts if h.disabled]

    @property
    def stale_dirs(self) -> int:
        return sum(h.stale for h in self.hosts)

    @property
    def requests(self) -> int:
        return sum(h.requests for h in self.hosts)

    @property
    def not_stored(self) -> list[str]:
        return [h.name for h in self.hosts if not h.stored]

    @property
    def ok(self) -> bool:
        return not self.interrupted and not self.not_stored


def crawl(
    session: Session,
    selection: HostSelection,
    options: CrawlOptions,
    *,
    notify: DisabledNotifier = log_only,
    client_factory: ClientFactory = default_client,
    progress: Progress | None = None,
    repositories: Sequence[str] = (),
) -> CrawlSummary:
    """Crawl the selected hosts and store their verdicts; see the module docstring.

    ``repositories`` (repo prefixes such as ``updates-released-f41``) limits the crawl to
    those repositories' repodata directories.
    """
    started = time.monotonic()
    if repositories and not options.repodata_only:
        # Only repodata directories are planned: a "complete" crawl would mark every other
        # directory's row stale.
        options = dataclasses.replace(options, repodata_only=True)
    builder = PlanBuilder(
        session,
        protocol=options.protocol,
        repodata_only=options.repodata_only or options.propagation_only,
        repositories=repositories,
        master_prefix=options.master_prefix if options.use_timelist else None,
    )
    plans = builder.hosts(select_hosts(session, selection), selection.categories)
    session.commit()  # end the read transaction; writes come one host at a time
    runner = _Runner(session, notify, options, client_factory, progress, len(plans))
    planned = time.monotonic() - started
    log.info(
        "crawl started",
        hosts=len(plans),
        concurrency=options.concurrency,
        plan_seconds=round(planned, 2),
    )
    with asyncio.Runner(loop_factory=_loop_factory()) as loop_runner:
        summary = loop_runner.run(runner.run(plans))
    summary.plan_seconds = planned
    summary.seconds = time.monotonic() - started
    runner.notify()
    if options.record_propagation and not summary.interrupted and runner.propagation:
        at = dt.datetime.fromtimestamp(options.now or time.time(), dt.UTC)
        try:
            summary.propagation_rows = write_propagation(session, runner.propagation, at)
        except SQLAlchemyError as exc:
            session.rollback()
            log.error("propagation not recorded", error=str(exc))
    log.info(
        "crawl finished",
        hosts=summary.total,
        ok=summary.count("ok"),
        failed=summary.count("failed") + summary.count("timeout"),
        disabled=len(summary.disabled),
        stale_dirs=summary.stale_dirs,
        requests=summary.requests,
        interrupted=summary.interrupted,
        seconds=round(summary.seconds, 1),
    )
    return summary


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with granian[uvloop]): about a fifth less CPU per
    request than asyncio's own loop, and the crawl is CPU-bound at hundreds of mirrors."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


class _Runner:
    def __init__(
        self,
        session: Session,
        notify: DisabledNotifier,
        options: CrawlOptions,
        client_factory: ClientFactory,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.session = session
        self.notify_disabled = notify
        self.options = options
        self.client_factory = client_factory
        self.progress = progress
        self.summary = CrawlSummary(total=total)
        # Only the per-repository counts outlive a host: verdicts go once stored, so memory
        # does not grow with hosts x directories.
        self.propagation: dict[int, Counter[str]] = {}
        self.disabled: list[tuple[HostPlan, str]] = []
        self._failed = 0

    def notify(self) -> None:
        for host, reason in self.disabled:
            self.notify_disabled(
                host_name=host.name,
                site_name=host.site,
                host_id=host.id,
                reason=reason,
                recipients=_recipients(self.session, host.id),
            )

    async def run(self, plans: list[HostPlan]) -> CrawlSummary:
        slots = RankedSlots(max(1, self.options.concurrency))
        ahead = self.options.hosts_ahead
        openings = asyncio.Semaphore(ahead) if ahead > 0 else None
        started: set[int] = set()

        # Results waiting for the writer hold no crawl slot, but are bounded too.
        waiting = asyncio.Semaphore(max(1, self.options.concurrency))
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crawl-store")
        loop = asyncio.get_running_loop()

        def crashed(plan: HostPlan, exc: Exception) -> None:
            # A bug must not end the other hosts' crawl.
            log.exception("host crawl crashed", host=plan.name, error=repr(exc))
            self.summary.hosts.append(
                HostLine(plan.id, plan.name, "error", repr(exc), 0.0, 0, 0, False)
            )

        async def guarded(rank: int, plan: HostPlan) -> None:
            gate = HostGate(rank, slots, openings)
            try:
                await gate.enter()
                started.add(plan.id)
                try:
                    outcome = await crawl_host(
                        plan, self.options, self.client_factory, slot=gate.admit
                    )
                except Exception as exc:
                    crashed(plan, exc)
                    return
            finally:
                gate.leave()
            async with waiting:
                stored = loop.run_in_executor(writer, self._finish, outcome)
                try:
                    await asyncio.shield(stored)  # once begun, a write runs to its end
                except Exception as exc:
                    crashed(plan, exc)

        tasks = [asyncio.ensure_future(guarded(rank, plan)) for rank, plan in enumerate(plans)]
        try:
            with _interrupts(tasks, self.summary):
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            # Interrupted: writes already handed to the thread still finish.
            await loop.run_in_executor(None, functools.partial(writer.shutdown, wait=True))
        if self.summary.interrupted:
            finished = {h.host_id for h in self.summary.hosts}
            self.summary.abandoned = len(started - finished)
            self.summary.not_started = len(plans) - len(started)
            log.warning(
                "crawl interrupted",
                stored=len(finished),
                abandoned_untouched=self.summary.abandoned,
                not_started=self.summary.not_started,
            )
        return self.summary

    def _finish(self, outcome: HostOutcome) -> None:
        finished = dt.datetime.fromtimestamp(
            outcome.started + outcome.waited + outcome.seconds, dt.UTC
        )
        stored = True
        result = StoreResult()
        try:
            if not self.options.propagation_only:
                result = store_outcome(self.session, outcome, self.options, finished)
        except SQLAlchemyError as exc:
            stored = False
            outcome.log.append(f"results not stored: {exc}")
            log.error("host results not stored", host=outcome.host.name, error=str(exc))
        if stored:
            merge_counts(self.propagation, count_buckets([outcome]))
        self._write_log(outcome)
        if result.disabled:
            # Mail is sent after the crawl: SMTP must not stall the event loop.
            self.disabled.append((outcome.host, result.reason or ""))
        if result.reenabled:
            log.info("host re-enabled by crawler", host=outcome.host.name)
        if outcome.status in (HostStatus.FAILED, HostStatus.TIMEOUT):
            self._failed += 1
        line = HostLine(
            host_id=outcome.host.id,
            name=outcome.host.name,
            status=outcome.status.value,
            reason=outcome.reason,
            seconds=outcome.seconds,
            requests=outcome.requests,
            stale=outcome.stale_dirs,
            stored=stored,
            disabled=result.disabled,
            reenabled=result.reenabled,
            started=outcome.started,
            waited=outcome.waited,
        )
        self.summary.hosts.append(line)
        log.info(
            "host crawled",
            host=line.name,
            host_id=line.host_id,
            status=line.status,
            reason=line.reason,
            seconds=round(line.seconds, 2),
            requests=line.requests,
            stale_dirs=line.stale,
            waited=round(line.waited, 2),
        )
        for category in outcome.categories:
            category.verdicts, category.repomd = {}, {}
        if self.progress is not None:
            self.progress(len(self.summary.hosts), self.summary.total, self._failed)

    def _write_log(self, outcome: HostOutcome) -> None:
        if self.options.log_dir is None or self.options.propagation_only:
            return
        try:
            write_host_log(
                self.options.log_dir,
                outcome.host.id,
                "\n".join(outcome.log) + "\n",
                keep=self.options.log_keep,
            )
        except OSError as exc:
            log.warning("crawl log not written", host=outcome.host.name, error=str(exc))


def _recipients(session: Session, host_id: int) -> list[str]:
    host = session.get(Host, host_id)
    if host is None:
        return []
    emails = session.scalars(
        select(User.email)
        .join(SiteAdmin, SiteAdmin.user_id == User.id)
        .where(SiteAdmin.site_id == host.site_id)
    ).all()
    return [e for e in (host.robot_email, *emails) if e]


@contextlib.contextmanager
def _interrupts(tasks: Sequence[asyncio.Future[None]], summary: CrawlSummary) -> Iterator[None]:
    """On SIGINT/SIGTERM cancel every host still running; finished hosts stay stored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()

    def stop(signum: int) -> None:
        summary.interrupted = True
        log.warning("signal received, stopping the crawl", signal=signal.Signals(signum).name)
        for task in tasks:
            task.cancel()

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop, signum)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def crawl_host(
    plan: HostPlan,
    options: CrawlOptions,
    client_factory: ClientFactory = default_client,
    *,
    slot: Admit | None = None,
) -> HostOutcome:
    """Check every category of one host within its time limit; never raises CrawlError.

    ``slot`` waits for the host's crawl slot (at once when it has it); the connectors
    call it after their light first request. Waiting counts neither in the host's
    ``seconds`` nor against its time limit.
    """
    hostlog = HostLogBuffer(debug=options.debug)
    outcome = HostOutcome(host=plan, started=time.time())
    outcome.categories = [CategoryOutcome(plan=category) for category in plan.categories]
    connectors: dict[ConnectorFactory, Connector] = {}
    clock = time.monotonic()
    loop = asyncio.get_running_loop()
    limit = asyncio.timeout(options.host_timeout)
    admitted = False

    async def admit() -> None:
        nonlocal admitted
        if admitted or slot is None:
            return
        deadline, began = limit.when(), loop.time()
        limit.reschedule(None)  # waiting for a slot is not crawling the host
        try:
            await slot()
            admitted = True
        finally:
            waited = loop.time() - began
            outcome.waited += waited
            if deadline is not None:
                limit.reschedule(deadline + waited)

    hostlog("INFO", f"crawling {plan.name} (host {plan.id}, site {plan.site})")
    try:
        async with limit:
            for category in outcome.categories:
                await _crawl_category(
                    plan, category, options, connectors, client_factory, hostlog, admit
                )
            urls = [url for c in plan.categories if not c.always_up2date for url in c.urls]
            if options.probe_reachability and urls:
                await admit()
                outcome.reachable = await probe(urls[0], options.connect_timeout)
                hostlog("INFO", f"reachable over IPv4: {outcome.reachable[0]}, "
                        f"IPv6: {outcome.reachable[1]}")  # fmt: skip
    except TimeoutError:
        outcome.status = HostStatus.TIMEOUT
        outcome.reason = f"host time limit of {options.host_timeout:g} s exceeded"
    finally:
        for connector in connectors.values():
            with contextlib.suppress(Exception):
                await connector.aclose()
        outcome.requests = sum(c.requests for c in connectors.values())
        outcome.seconds = time.monotonic() - clock - outcome.waited
    if outcome.status is not HostStatus.TIMEOUT:
        if not outcome.categories:
            outcome.status, outcome.reason = HostStatus.UNKNOWN, "no categories"
        elif any(c.ok for c in outcome.categories):
            outcome.status = HostStatus.OK
        else:
            outcome.status = HostStatus.FAILED
            outcome.reason = "; ".join(
                f"{c.plan.name}: {c.error}" for c in outcome.categories if c.error
            )
    hostlog(
        "INFO" if outcome.status is HostStatus.OK else "ERROR",
        f"finished: {outcome.status.value}"
        + (f" ({outcome.reason})" if outcome.reason else "")
        + f", {outcome.requests} requests, {outcome.seconds:.1f} s",
    )
    outcome.log = hostlog.text().splitlines()
    return outcome


async def _crawl_category(
    host: HostPlan,
    outcome: CategoryOutcome,
    options: CrawlOptions,
    connectors: dict[ConnectorFactory, Connector],
    client_factory: ClientFactory,
    hostlog: HostLogBuffer,
    admit: Admit,
) -> None:
    plan = outcome.plan
    if plan.always_up2date:
        outcome.ok = True
        hostlog("INFO", f"{plan.name}: always up to date, not crawled")
        return
    if not plan.urls:
        outcome.error = "no rsync, https or http URL"
        hostlog("ERROR", f"{plan.name}: {outcome.error}")
        return
    errors = []
    for url in plan.urls:
        kind = url.partition("://")[0].lower()
        make = CONNECTORS.get(kind)
        if make is None:  # order_urls keeps only known schemes; a bug if it gets here
            errors.append(f"{url}: no connector for {kind!r}")
            continue
        if make not in connectors:
            connectors[make] = make(host, options, client_factory)
        try:
            check = await connectors[make].check(
                url, plan.dirs, options, hostlog, timelist=plan.timelist, admit=admit
            )
        except CrawlError as exc:
            errors.append(str(exc))
            hostlog("ERROR", f"{plan.name}: {exc}")
            continue
        outcome.ok, outcome.url, outcome.error = True, url, None
        outcome.verdicts, outcome.repomd = check.verdicts, check.repomd
        outcome.differing = check.differing
        outcome.complete = not options.repodata_only
        stale = sum(1 for v in check.verdicts.values() if v is False)
        hostlog("INFO", f"{plan.name}: {len(check.verdicts)} directories via {url}, {stale} stale")
        return
    outcome.error = "; ".join(errors)
