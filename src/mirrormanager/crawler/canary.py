"""``mm2_crawler crawl --canary``: does each mirror answer at all?

One request per category (HTTP(S): a HEAD of the category's base URL, a GET when HEAD is
refused; rsync: a TCP connect to the daemon) until one answers. Nothing is compared. A
host none of whose categories answers has all its directories marked not up to date, as
MirrorManager2's canary mode does, but its failure counter is left alone: a canary run
never disables a mirror. Hosts that answer are not touched.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from mirrormanager.crawler.http import USER_AGENT
from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.plan import order_urls
from mirrormanager.crawler.reach import probe
from mirrormanager.db.base import utcnow
from mirrormanager.db.models import Host, HostCategory, HostCategoryDir, HostCategoryUrl
from mirrormanager.logging import get_logger

log = get_logger(__name__)
ClientFactory = Callable[[CrawlOptions], httpx.AsyncClient]


@dataclass(slots=True)
class CanaryResult:
    host_id: int
    name: str
    ok: bool
    detail: str  # the URL that answered, or why none did


@dataclass(slots=True)
class CanarySummary:
    results: list[CanaryResult] = field(default_factory=list)
    marked_stale: int = 0  # directory rows set not up to date
    seconds: float = 0.0

    @property
    def failed(self) -> list[CanaryResult]:
        return [r for r in self.results if not r.ok]


def default_client(options: CrawlOptions) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(options.read_timeout, connect=options.connect_timeout),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Pragma": "no-cache"},
        trust_env=False,
    )


def _host_urls(session: Session, host_ids: Sequence[int], protocol: str) -> dict[int, list[str]]:
    """Per host, one URL list per category, in the crawler's protocol order."""
    rows = session.execute(
        select(HostCategory.host_id, HostCategory.id, HostCategoryUrl.url)
        .join(HostCategoryUrl, HostCategoryUrl.host_category_id == HostCategory.id)
        .where(HostCategory.host_id.in_(host_ids), ~HostCategory.always_up2date)
        .order_by(HostCategory.id, HostCategoryUrl.id)
    )
    per_category: dict[tuple[int, int], list[str]] = defaultdict(list)
    for host_id, hc_id, url in rows:
        per_category[(host_id, hc_id)].append(url)
    urls: dict[int, list[str]] = defaultdict(list)
    for (host_id, _), found in per_category.items():
        urls[host_id].extend(order_urls(found, protocol, repodata_only=False))
    return urls


async def _answers(client: httpx.AsyncClient, url: str, options: CrawlOptions) -> str | None:
    """None when ``url`` answers, else the reason."""
    if url.startswith("rsync://"):
        v4, v6 = await probe(url, options.connect_timeout)
        return None if v4 or v6 else "rsync port does not answer"
    base = url.rstrip("/") + "/"
    try:
        response = await client.head(base)
        if response.status_code in (405, 501):
            response = await client.get(base)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    return None


async def _check_all(
    names: dict[int, str],
    urls: dict[int, list[str]],
    options: CrawlOptions,
    client_factory: ClientFactory,
) -> list[CanaryResult]:
    slots = asyncio.Semaphore(max(1, options.concurrency))

    async def one(client: httpx.AsyncClient, host_id: int) -> CanaryResult:
        async with slots:
            reasons = []
            for url in urls.get(host_id, []):
                reason = await _answers(client, url, options)
                if reason is None:
                    return CanaryResult(host_id, names[host_id], True, url)
                reasons.append(f"{url}: {reason}")
            detail = "; ".join(reasons) or "no crawlable URL"
            return CanaryResult(host_id, names[host_id], False, detail)

    async with client_factory(options) as client:
        return list(await asyncio.gather(*(one(client, host_id) for host_id in names)))


def canary(
    session: Session,
    host_ids: Sequence[int],
    options: CrawlOptions,
    *,
    client_factory: ClientFactory = default_client,
) -> CanarySummary:
    """Check that the hosts answer; mark the silent ones' directories not up to date."""
    started = time.monotonic()
    names = dict(session.execute(select(Host.id, Host.name).where(Host.id.in_(host_ids))).all())
    urls = _host_urls(session, list(names), options.protocol)
    session.commit()  # end the read transaction before the network part
    summary = CanarySummary()
    summary.results = asyncio.run(_check_all(names, urls, options, client_factory))
    now = utcnow()
    for result in summary.results:
        if result.ok:
            continue
        log.warning("canary: host does not answer", host=result.name, reason=result.detail)
        hc_ids = select(HostCategory.id).where(HostCategory.host_id == result.host_id)
        marked: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(HostCategoryDir)
            .where(HostCategoryDir.host_category_id.in_(hc_ids), HostCategoryDir.up2date)
            .values(up2date=False, last_checked=now)
        )
        summary.marked_stale += marked.rowcount or 0
        host = session.get(Host, result.host_id)
        if host is not None:
            host.last_crawl_error = f"canary: {result.detail}"[:2000]
        session.commit()  # one host at a time, as the crawler stores
    summary.seconds = time.monotonic() - started
    return summary
