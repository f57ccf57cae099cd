"""HTTP/HTTPS connector: one ``httpx.AsyncClient`` per host, bounded in every direction.

Per category, in full mode when the master has a ``fullfiletimelist-*``: one GET of the
mirror's copy of that list (streamed, bounded, hashed and parsed on the fly). Identical to
the master's: every directory is current; different: each directory is judged from the
mirror's list. Either way no HEAD per file; only the repomd.xml checks below still run,
because they prove content. Without a usable list: one HEAD of the base URL (a broken URL
is a failure, not "everything stale"), then per directory either one GET of
``repodata/repomd.xml`` compared by sha256 with the master's history, or (not in
repodata-only mode) HEAD requests for the files the master lists there, stopping at the
first stale one. Redirects are followed by hand so a mirror cannot send the crawler to
another host unless the settings allow it.
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
    differing_files,
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
    MasterTimelist,
    RepomdObservation,
)
from mirrormanager.formats.timelist import TimelistReader

USER_AGENT = f"mirrormanager-crawler/{__version__}"
MAX_REDIRECTS = 5
_DRAIN_LIMIT = 64 << 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

ClientFactory = Callable[[HostPlan, CrawlOptions], httpx.AsyncClient]
Sink = Callable[[bytes], None]


class _TooLarge(CrawlError):
    """A body over ``max_response_bytes``: fatal for repomd.xml, a fallback for a time list."""


@dataclass(frozen=True, slots=True)
class _MirrorList:
    """What a mirror's copy of the time list says: identical, or these entries."""

    identical: bool
    entries: dict[str, ListedEntry]


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
        self,
        method: str,
        url: str,
        options: CrawlOptions,
        *,
        body: bool = False,
        sink: Sink | None = None,
    ) -> _Answer:
        """One request, following redirects within the host; bounded body when asked."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            async with self._slots:
                self.requests += 1
                try:
                    answer = await self._send(method, current, options, body, sink)
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

    async def _send(
        self, method: str, url: str, options: CrawlOptions, body: bool, sink: Sink | None
    ) -> _Answer:
        """One request; a 200 body is kept (``body``) or streamed to ``sink``, bounded."""
        limit = options.max_response_bytes
        async with self.client.stream(method, url) as response:
            data = b""
            length = _content_length(response.headers)
            if (body or sink is not None) and response.status_code == 200:
                if length is not None and length > limit:
                    raise _TooLarge(url, f"response of {length} bytes exceeds {limit}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _TooLarge(url, f"response larger than {limit} bytes")
                    if sink is not None:
                        sink(chunk)
                    else:
                        chunks.append(chunk)
                data = b"".join(chunks)
            else:
                await _drain(response)
            return _Answer(response.status_code, response.headers, str(response.url), data)

    async def check(
        self,
        url: str,
        dirs: tuple[DirPlan, ...],
        options: CrawlOptions,
        log: HostLog,
        *,
        timelist: MasterTimelist | None = None,
    ) -> CategoryCheck:
        base = url.rstrip("/") + "/"
        fast = options.repodata_only or options.propagation_only
        mirror: _MirrorList | None = None
        if timelist is not None and options.use_timelist and not fast:
            mirror = await self._mirror_list(base, timelist, options, log)
        if mirror is None:  # the list's 200 already proved the URL serves the category
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

        selected = [d for d in dirs if d.is_repodata or not fast]
        differing: dict[int, tuple[str, ...]] = {}
        if mirror is not None:
            for plan in selected:
                if not plan.is_repodata:
                    verdicts[plan.directory_id] = _judge_from_list(
                        plan, mirror, log, differing, options.max_differing_files
                    )
            selected = [d for d in selected if d.is_repodata]
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
        return CategoryCheck(verdicts, repomd, differing)

    async def _mirror_list(
        self, base: str, timelist: MasterTimelist, options: CrawlOptions, log: HostLog
    ) -> _MirrorList | None:
        """The mirror's copy of the category's time list, or None to fall back to HEADs.

        One GET, streamed: hashed and parsed on the fly, keeping only the paths the plan
        needs, so memory does not grow with the size of the list. Missing (any non-200),
        too large or unparsable: None. Transport errors fail the category as usual.
        """
        name = quote(timelist.name)
        target = urljoin(base, "../" + name) if timelist.prefix else base + name
        digest = hashlib.sha256()
        reader = TimelistReader(timelist.prefix, timelist.wanted)

        def sink(chunk: bytes) -> None:
            digest.update(chunk)
            reader.feed(chunk)

        try:
            answer = await self._request("GET", target, options, sink=sink)
        except _TooLarge as exc:
            log("INFO", f"{timelist.name}: {exc.reason}; checking files one by one")
            return None
        if answer.status != 200:
            status = "redirect to another host" if answer.status == -1 else answer.status
            log("INFO", f"{timelist.name}: HTTP {status}; checking files one by one")
            return None
        if digest.hexdigest() == timelist.sha256:
            log("INFO", f"{timelist.name}: identical to the master's")
            return _MirrorList(identical=True, entries={})
        reader.close()
        if not reader.valid:
            log(
                "INFO",
                f"{timelist.name}: not a usable time list ({reader.matched} entries, "
                f"{reader.garbage} unreadable lines); checking files one by one",
            )
            return None
        log("INFO", f"{timelist.name}: differs from the master's; judging from its entries")
        entries = {
            path: ListedEntry(size=size, is_link=kind == "l", is_dir=kind == "d")
            for path, (kind, _, size) in reader.entries.items()
        }
        return _MirrorList(identical=False, entries=entries)

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


def _judge_from_list(
    plan: DirPlan,
    mirror: _MirrorList,
    log: HostLog,
    differing: dict[int, tuple[str, ...]],
    limit: int,
) -> Verdict:
    """A directory is current when the mirror's list has it and every file the master
    lists there with the same size (times are not compared: the list says nothing the
    repomd.xml hashes do not prove better). A stale one the list has records its few
    differing files in ``differing``."""
    if mirror.identical:
        return True
    present = plan.path == "" or plan.path in mirror.entries
    names = differing_files(plan.path, plan.files, mirror.entries, limit=limit)
    if present and names == ():
        return True
    if present and names:
        differing[plan.directory_id] = names
    log("INFO", f"{plan.path or '.'}: stale according to the mirror's time list")
    return False
