"""HTTP/HTTPS connector: one ``httpx.AsyncClient`` per host, bounded in every direction.

Per category: one HEAD of the base URL (a broken URL is a failure, not "everything
stale"), then per directory either one GET of ``repodata/repomd.xml`` compared by sha256
with the master's history, or (not in repodata-only mode) HEAD requests for the files the
master lists there, stopping at the first stale one. Redirects are followed by hand so a
mirror cannot send the crawler to another host unless the settings allow it.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import certifi
import httpx

from mirrormanager import __version__
from mirrormanager.crawler.compare import (
    ListedEntry,
    Verdict,
    combine,
    generation_index,
    judge_head,
    propagation_bucket,
    repomd_state,
    repomd_verdict,
)
from mirrormanager.crawler.model import (
    CategoryCheck,
    CrawlError,
    CrawlOptions,
    DirPlan,
    HostLog,
    HostPlan,
    RepomdObservation,
)

USER_AGENT = f"mirrormanager-crawler/{__version__}"
MAX_REDIRECTS = 5
_DRAIN_LIMIT = 64 << 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

ClientFactory = Callable[[HostPlan, CrawlOptions], httpx.AsyncClient]


def default_client(
    host: HostPlan, options: CrawlOptions, *, verify: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """Keep-alive, HTTP/2 when the server offers it, at most ``max_connections`` at once."""
    connections = max(1, host.max_connections)
    return httpx.AsyncClient(
        http2=_has_h2(),
        verify=verify if verify is not None else shared_tls_context(),
        timeout=httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=options.host_timeout,
        ),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Pragma": "no-cache"},
        trust_env=False,
    )


def _has_h2() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: httpx.Headers
    url: str
    body: bytes = b""


async def _drain(response: httpx.Response) -> None:
    """Read a small unwanted body to its end so the connection goes back to the pool
    (keep-alive); a large one is abandoned and its connection closed instead."""
    drained = 0
    try:
        async for chunk in response.aiter_raw():
            drained += len(chunk)
            if drained > _DRAIN_LIMIT:
                return
    except (httpx.StreamError, httpx.TransportError):
        return  # already read (in-memory transports) or broken: the status is what counts


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every host: loading the CA bundle per client costs
    ~20 ms of CPU, which adds up over hundreds of mirrors."""
    return ssl.create_default_context(cafile=certifi.where())


def _first(group: BaseExceptionGroup[CrawlError]) -> CrawlError:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    assert isinstance(error, CrawlError)
    return error


def _same_host(a: str, b: str) -> bool:
    left, right = urlsplit(a), urlsplit(b)
    return (left.hostname, left.port or _port(left.scheme)) == (
        right.hostname,
        right.port or _port(right.scheme),
    ) or (left.hostname == right.hostname and {left.scheme, right.scheme} == {"http", "https"})


def _port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _last_modified(headers: httpx.Headers) -> int | None:
    value = headers.get("last-modified")
    if not value:
        return None
    try:
        return int(email.utils.parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _content_length(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


class HttpConnector:
    """Checks categories of one host over http(s) with one shared client."""

    def __init__(self, client: httpx.AsyncClient, host: HostPlan) -> None:
        self.client = client
        self.requests = 0
        self._slots = asyncio.Semaphore(max(1, host.max_connections))

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _request(
        self, method: str, url: str, options: CrawlOptions, *, body: bool = False
    ) -> _Answer:
        """One request, following redirects within the host; bounded body when asked."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            async with self._slots:
                self.requests += 1
                try:
                    answer = await self._send(method, current, options, body)
                except httpx.TimeoutException as exc:
                    raise CrawlError(current, f"timed out ({type(exc).__name__})") from None
                except httpx.HTTPError as exc:
                    raise CrawlError(current, f"{type(exc).__name__}: {exc}") from None
            location = answer.headers.get("location")
            if answer.status not in _REDIRECTS or not location:
                return answer
            target = urljoin(current, location)
            if urlsplit(target).scheme not in ("http", "https"):
                raise CrawlError(current, f"redirect to unsupported URL {target}")
            if not options.cross_host_redirects and not _same_host(url, target):
                return _Answer(status=-1, headers=answer.headers, url=target)
            current = target
        raise CrawlError(url, f"more than {MAX_REDIRECTS} redirects")

    async def _send(self, method: str, url: str, options: CrawlOptions, body: bool) -> _Answer:
        limit = options.max_response_bytes
        async with self.client.stream(method, url) as response:
            data = b""
            length = _content_length(response.headers)
            if body and response.status_code == 200:
                if length is not None and length > limit:
                    raise CrawlError(url, f"response of {length} bytes exceeds {limit}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise CrawlError(url, f"response larger than {limit} bytes")
                    chunks.append(chunk)
                data = b"".join(chunks)
            else:
                await _drain(response)
            return _Answer(response.status_code, response.headers, str(response.url), data)

    async def check(
        self, url: str, dirs: tuple[DirPlan, ...], options: CrawlOptions, log: HostLog
    ) -> CategoryCheck:
        base = url.rstrip("/") + "/"
        answer = await self._request("HEAD", base, options)
        if answer.status in (405, 501):  # some servers refuse HEAD on directories
            answer = await self._request("GET", base, options)
        if answer.status == -1:
            raise CrawlError(base, f"redirects to another host ({answer.url}), not allowed")
        if answer.status >= 400:
            raise CrawlError(base, f"base directory answers HTTP {answer.status}")
        now = options.now if options.now is not None else int(time.time())
        verdicts: dict[int, Verdict] = {}
        repomd: dict[int, RepomdObservation] = {}

        async def one(plan: DirPlan) -> None:
            verdict, observed = await self._check_dir(base, plan, options, log, now)
            verdicts[plan.directory_id] = verdict
            if plan.is_repodata:
                repomd[plan.directory_id] = observed

        fast = options.repodata_only or options.propagation_only
        selected = [d for d in dirs if d.is_repodata or not fast]
        # Directories run concurrently; the semaphore keeps requests within max_connections,
        # and a transport error (CrawlError) cancels the category at once.
        try:
            async with asyncio.TaskGroup() as group:
                for plan in selected:
                    group.create_task(one(plan))
        except BaseExceptionGroup as group_error:
            errors = group_error.subgroup(CrawlError)
            if errors is None:
                raise
            raise _first(errors) from None
        return CategoryCheck(verdicts, repomd)

    async def _check_dir(
        self, base: str, plan: DirPlan, options: CrawlOptions, log: HostLog, now: int
    ) -> tuple[Verdict, RepomdObservation]:
        prefix = base + (quote(plan.path) + "/" if plan.path else "")
        if plan.is_repodata:
            answer = await self._request("GET", prefix + "repomd.xml", options, body=True)
            if answer.status != 200:
                log("INFO", f"{plan.path}/repomd.xml: HTTP {answer.status}")
                missing = answer.status in (403, 404, 410)
                return (False if missing else None), ("older" if missing else "failed")
            digest = hashlib.sha256(answer.body).hexdigest()
            state = repomd_state(
                digest, plan.repomd, now=now, window_seconds=options.alternate_window
            )
            log("DEBUG", f"{plan.path}/repomd.xml: {state.value}")
            bucket = propagation_bucket(generation_index(digest, plan.repomd))
            return repomd_verdict(state), bucket
        verdicts: list[Verdict] = []
        for master in plan.files:
            answer = await self._request("HEAD", prefix + quote(master.name), options)
            if answer.status == -1:
                log("WARNING", f"{plan.path}/{master.name}: redirect to {answer.url} refused")
                verdicts.append(None)
                continue
            seen = ListedEntry(_content_length(answer.headers), _last_modified(answer.headers))
            verdict = judge_head(master, answer.status, seen)
            verdicts.append(verdict)
            if verdict is False:
                log("INFO", f"{plan.path}/{master.name}: stale (HTTP {answer.status})")
                break
        return combine(verdicts), "failed"
