""" "Check now": crawl one host on request, in the background, with the real crawler.

A request writes a `JobRun` row (job ``check-host:<id>``, status ``queued``) and hands the
job to a runner; the default runner starts a thread of the web process that calls
`crawler.service.crawl` for that one host with its own database session, then stores
the verdict per URL in the row's summary.

The job's state lives in the database, not in the process, because the web UI runs as
several worker processes: whichever worker answers the next page load (or the API poll)
sees the job, and "one check at a time per host" and the rate limit hold across workers.
A job whose worker died stays ``running``; after the crawler's per-host time limit (plus
a minute) it counts as abandoned and a new check may start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.crawler.hostlog import read_crawl_log
from mirrormanager.crawler.http import ClientFactory, default_client
from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.notify import mail_notifier
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import crawl
from mirrormanager.db.models import Host, JobRun
from mirrormanager.logging import get_logger
from mirrormanager.settings import Settings

log = get_logger(__name__)

JOB_PREFIX = "check-host:"
RECENT = 5
ACTIVE = ("queued", "running")
# Runs a queued job: (job id, host id). The app keeps one in app.extensions.
Runner = Callable[[int, int], None]


class CheckRefused(Exception):
    """A check cannot start now; the message says why and when it can."""


def job_name(host_id: int) -> str:
    return f"{JOB_PREFIX}{int(host_id)}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def recent(session: Session, host_id: int, limit: int = RECENT) -> Sequence[JobRun]:
    """The host's newest checks, newest first."""
    return session.scalars(
        select(JobRun)
        .where(JobRun.job == job_name(host_id))
        .order_by(JobRun.id.desc())
        .limit(limit)
    ).all()


def _abandoned_after(settings: Settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings.crawler_host_timeout_minutes + 1)


def is_abandoned(job: JobRun, settings: Settings, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return job.status in ACTIVE and now - job.started_at > _abandoned_after(settings)


def request_check(session: Session, settings: Settings, host: Host, username: str) -> JobRun:
    """Queue a check of `host` or raise CheckRefused; the caller commits, then runs it.

    The host row is locked (PostgreSQL) so two workers cannot both queue a check.
    """
    session.scalar(select(Host.id).where(Host.id == host.id).with_for_update())
    now = utcnow()
    last = next(iter(recent(session, host.id, 1)), None)
    if last is not None:
        if last.status in ACTIVE and not is_abandoned(last, settings, now):
            raise CheckRefused(
                f"A check of {host.name} is {last.status} since "
                f"{last.started_at:%H:%M:%S} UTC; wait for its result."
            )
        wait = dt.timedelta(seconds=settings.web_check_min_interval) - (now - last.started_at)
        if wait > dt.timedelta(0):
            raise CheckRefused(
                f"{host.name} was checked at {last.started_at:%H:%M:%S} UTC; the next check "
                f"can start in {int(wait.total_seconds()) + 1} s (web_check_min_interval)."
            )
    job = JobRun(
        job=job_name(host.id),
        started_at=now,
        status="queued",
        summary={"host_id": host.id, "host": host.name, "requested_by": username},
    )
    session.add(job)
    session.flush()
    log.info("host check queued", host=host.name, host_id=host.id, job=job.id, by=username)
    return job


# --- the crawl and its verdict per URL ---------------------------------------------------
_LINE = re.compile(r"^\S+ \S+ - (?P<level>[A-Z]+) - (?P<message>.*)$")


def url_results(log_text: str, urls: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """What the crawl log says about each (category, URL): ok, failed or not tried.

    The crawler tries a category's URLs in order (rsync, https, http) and stops at the
    first that answers, so a later URL is "not tried" when an earlier one worked.
    """
    lines = [m.groupdict() for m in map(_LINE.match, log_text.splitlines()) if m]
    results = []
    for category, url in urls:
        verdict, text = "not tried", "another URL of this category answered first"
        # The crawler writes a directory URL with its trailing slash.
        spellings = {url, url.rstrip("/") + "/"}
        for line in lines:
            message = line["message"]
            if not message.startswith(f"{category}: "):
                continue
            for spelt in spellings:
                if message.endswith(f"via {spelt}") or f" via {spelt}, " in message:
                    verdict, text = "ok", message.removeprefix(f"{category}: ")
                elif f": {spelt}: " in message and line["level"] == "ERROR":
                    verdict, text = "failed", message.split(f"{spelt}: ", 1)[1]
        results.append({"category": category, "url": url, "result": verdict, "detail": text})
    return results


def crawl_options(settings: Settings) -> CrawlOptions:
    """The scheduled crawl's options (`CrawlOptions.from_settings`) for one host."""
    return dataclasses.replace(
        CrawlOptions.from_settings(settings),
        concurrency=1,
        # One host's check is no propagation sample of the whole network.
        record_propagation=False,
    )


def run_check(
    session: Session,
    settings: Settings,
    job_id: int,
    host_id: int,
    *,
    client_factory: ClientFactory = default_client,
) -> None:
    """Crawl the host of a queued job and store the outcome in the job; never raises."""
    job = session.get(JobRun, job_id)
    if job is None:
        return
    job.status = "running"
    session.commit()
    try:
        host = session.get(Host, host_id)
        if host is None:
            raise LookupError(f"host {host_id} no longer exists")
        urls = [
            (hc.category.name, u.url)
            for hc in sorted(host.categories, key=lambda hc: hc.category.name)
            for u in sorted(hc.urls, key=lambda u: u.url)
        ]
        # include_private: a private host is checked too; include_disabled: so is a host
        # its admins switched off for maintenance (the scheduled crawl skips it).
        selection = HostSelection(ids=(host_id,), include_private=True, include_disabled=True)
        summary = crawl(
            session,
            selection,
            crawl_options(settings),
            notify=mail_notifier(settings),  # the scheduled crawl's mail when it disables
            client_factory=client_factory,
        )
        line = next(iter(summary.hosts), None)
        text = read_crawl_log(settings, host_id)
        job = session.get(JobRun, job_id)
        assert job is not None
        result: dict[str, Any] = dict(job.summary)
        if line is None:
            result.update(
                status="not crawled",
                reason="the crawler skips this host: the admins disabled it or its site",
            )
        else:
            result.update(
                {
                    k: v
                    for k, v in dataclasses.asdict(line).items()
                    if k in ("status", "reason", "requests", "stale", "disabled", "reenabled")
                }
            )
        result["urls"] = url_results(text, urls) if line is not None else []
        job.summary = result
        job.status = "ok" if line is not None and line.status == "ok" else "failed"
        job.finished_at = utcnow()
        session.commit()
        log.info("host check finished", host_id=host_id, job=job_id, status=job.status)
    except Exception as exc:  # the job row must end, whatever happened
        session.rollback()
        log.exception("host check crashed", host_id=host_id, job=job_id, error=repr(exc))
        job = session.get(JobRun, job_id)
        if job is not None:
            job.status, job.error, job.finished_at = "failed", repr(exc), utcnow()
            session.commit()


def thread_runner(session_factory: Callable[[], Session], settings: Settings) -> Runner:
    """The default runner: one daemon thread per check, with its own session."""

    def start(job_id: int, host_id: int) -> None:
        def work() -> None:
            session = session_factory()
            try:
                run_check(session, settings, job_id, host_id)
            finally:
                session.close()

        threading.Thread(target=work, name=f"check-host-{host_id}", daemon=True).start()

    return start
