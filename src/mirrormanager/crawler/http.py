"""HTTP/HTTPS connector: one keep-alive client per host, bounded in every direction.

Per category, in full mode when the master has a ``fullfiletimelist-*``: one GET of the
mirror's copy of that list (streamed, bounded, hashed and parsed on the fly). Identical to
the master's: every directory is current; different: each directory is judged from the
mirror's list. Either way no HEAD per file; only the repomd.xml checks below still run,
because they prove content. Without a usable list: one HEAD of the base URL (a broken URL
is a failure, not "everything stale"), then per directory either one GET of
``repodata/repomd.xml`` compared by sha256 with the master's history, or (not in
repodata-only mode) HEAD requests for the files the master lists there, stopping at the
first stale one. Redirects are followed by hand so a mirror cannot send the crawler to
another host unless the settings allow it. The client itself is in ``fetch.py``.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import certifi
import httpx

from mirrormanager import __version__
from mirrormanager.crawler.compare import (
    ListedEntry,
    MasterFile,
    Verdict,
    combine,
    differing_files,
    generation_index,
    judge_head,
    propagation_bucket,
    repomd_state,
    repomd_verdict,
)
from mirrormanager.crawler.fetch import (
    AiohttpFetcher,
    BodyTooLarge,
    Fetcher,
    FetchError,
    Sink,
    as_fetcher,
    content_length,
    drain,
    read_body,
)
from mirrormanager.crawler.model import (
    Admit,
    CategoryCheck,
    CrawlError,
    CrawlOptions,
    DirPlan,
    HostLog,
    HostPlan,
    MasterTimelist,
    RepomdObservation,
    admitted,
)
from mirrormanager.formats.timelist import TimelistReader

USER_AGENT = f"mirrormanager-crawler/{__version__}"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Tests return an httpx.AsyncClient (with a MockTransport); production an AiohttpFetcher.
ClientFactory = Callable[[HostPlan, CrawlOptions], Fetcher | httpx.AsyncClient]


@dataclass(frozen=True, slots=True)
class _MirrorList:
    """What a mirror's copy of the time list says: identical, or these entries."""

    identical: bool
    entries: dict[str, ListedEntry]


def connections(host: HostPlan, options: CrawlOptions) -> int:
    """Requests one host gets at once: its own ``max_connections``, capped by the settings
    (the value is the mirror admin's to set, and each request may buffer a repomd.xml)."""
    return max(1, min(host.max_connections, options.host_max_connections))


def default_client(
    host: HostPlan, options: CrawlOptions, *, verify: ssl.SSLContext | None = None
) -> Fetcher:
    """Keep-alive HTTP/1.1, at most ``connections()`` at once; call inside the event loop."""
    connector = aiohttp.TCPConnector(
        limit=connections(host, options),
        ssl=verify if verify is not None else shared_tls_context(),
        ttl_dns_cache=300,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=None,
            sock_connect=options.connect_timeout,
            sock_read=options.read_timeout,
        ),
        auto_decompress=False,  # fetch.read_body decodes in bounded slices
        headers={
            "User-Agent": USER_AGENT,
            "Pragma": "no-cache",
            "Accept-Encoding": "gzip, deflate",
        },
        trust_env=False,
        raise_for_status=False,
    )
    return AiohttpFetcher(session)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    url: str
    body: bytes = b""


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


def _last_modified(headers: Mapping[str, str]) -> int | None:
    value = headers.get("last-modified")
    if not value:
        return None
    try:
        return int(email.utils.parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class HttpConnector:
    """Checks categories of one host over http(s) with one shared client."""

    def __init__(
        self,
        client: Fetcher | httpx.AsyncClient,
        host: HostPlan,
        options: CrawlOptions | None = None,
    ) -> None:
        self.client = as_fetcher(client)
        self.requests = 0
        self.width = connections(host, options or CrawlOptions())
        self._slots = asyncio.Semaphore(self.width)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _request(
        self,
        method: str,
        url: str,
        options: CrawlOptions,
        *,
        limit: int = 0,
        sink: Sink | None = None,
    ) -> _Answer:
        """One request, following redirects within the host. With a ``limit``, the body of
        a 200 is read, bounded: streamed to ``sink``, or kept in the answer."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            async with self._slots:
                self.requests += 1
                try:
                    answer = await self._send(method, current, limit, sink)
                except FetchError as exc:
                    raise CrawlError(current, str(exc)) from None
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

    async def _send(self, method: str, url: str, limit: int, sink: Sink | None) -> _Answer:
        async with self.client.stream(method, url) as response:
            if not limit or response.status != 200:
                await drain(response)
                return _Answer(response.status, response.headers, url)
            if sink is not None:
                await read_body(response, url, limit, sink)
                return _Answer(response.status, response.headers, url)
            chunks: list[bytes] = []
            await read_body(response, url, limit, chunks.append)
            return _Answer(response.status, response.headers, url, b"".join(chunks))

    async def check(
        self,
        url: str,
        dirs: tuple[DirPlan, ...],
        options: CrawlOptions,
        log: HostLog,
        *,
        timelist: MasterTimelist | None = None,
        admit: Admit = admitted,
    ) -> CategoryCheck:
        base = url.rstrip("/") + "/"
        fast = options.repodata_only or options.propagation_only
        mirror: _MirrorList | None = None
        if timelist is not None and options.use_timelist and not fast:
            await admit()  # a list can be large: not a light first request
            mirror = await self._mirror_list(base, timelist, options, log)
        if mirror is None:  # the list's 200 already proved the URL serves the category
            # The light first request: a hung mirror shows here, before it holds a slot.
            answer = await self._request("HEAD", base, options)
            if answer.status in (405, 501):  # some servers refuse HEAD on directories
                answer = await self._request("GET", base, options)
            if answer.status == -1:
                raise CrawlError(base, f"redirects to another host ({answer.url}), not allowed")
            if answer.status >= 400:
                raise CrawlError(base, f"base directory answers HTTP {answer.status}")
        await admit()
        now = options.now if options.now is not None else int(time.time())
        verdicts: dict[int, Verdict] = {}
        repomd: dict[int, RepomdObservation] = {}

        selected = [d for d in dirs if d.is_repodata or not fast]
        differing: dict[int, tuple[str, ...]] = {}
        if mirror is not None:
            for plan in selected:
                if not plan.is_repodata:
                    verdicts[plan.directory_id] = _judge_from_list(
                        plan, mirror, log, differing, options.max_differing_files
                    )
            selected = [d for d in selected if d.is_repodata]
        # One queue of requests (a repomd.xml, or one file's HEAD) for the whole category,
        # served by as many workers as the host gets connections, so no connection idles
        # while one directory's files are checked. A directory's HEADs stop once one file
        # is stale (requests already in flight still finish). A transport error
        # (CrawlError) cancels the category at once.
        heads: dict[int, list[Verdict]] = {}
        jobs: list[tuple[DirPlan, MasterFile | None]] = []
        for plan in selected:
            if plan.is_repodata:
                jobs.append((plan, None))
            else:
                heads[plan.directory_id] = []
                jobs.extend((plan, master) for master in plan.files)
        pending = iter(jobs)

        async def worker() -> None:
            for plan, master in pending:
                if master is None:
                    verdict, observed = await self._check_repomd(base, plan, options, log, now)
                    verdicts[plan.directory_id], repomd[plan.directory_id] = verdict, observed
                    continue
                seen = heads[plan.directory_id]
                if False not in seen:
                    seen.append(await self._check_file(base, plan, master, options, log))

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.width, len(jobs))):
                    group.create_task(worker())
        except BaseExceptionGroup as group_error:
            errors = group_error.subgroup(CrawlError)
            if errors is None:
                raise
            raise _first(errors) from None
        for directory_id, seen in heads.items():
            verdicts[directory_id] = combine(seen)
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
            answer = await self._request(
                "GET", target, options, limit=options.cap("timelist"), sink=sink
            )
        except BodyTooLarge as exc:
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

    async def _check_repomd(
        self, base: str, plan: DirPlan, options: CrawlOptions, log: HostLog, now: int
    ) -> tuple[Verdict, RepomdObservation]:
        prefix = base + (quote(plan.path) + "/" if plan.path else "")
        answer = await self._request(
            "GET", prefix + "repomd.xml", options, limit=options.cap("repomd")
        )
        if answer.status != 200:
            log("INFO", f"{plan.path}/repomd.xml: HTTP {answer.status}")
            missing = answer.status in (403, 404, 410)
            return (False if missing else None), ("older" if missing else "failed")
        digest = hashlib.sha256(answer.body).hexdigest()
        state = repomd_state(digest, plan.repomd, now=now, window_seconds=options.alternate_window)
        log("DEBUG", f"{plan.path}/repomd.xml: {state.value}")
        bucket = propagation_bucket(generation_index(digest, plan.repomd))
        return repomd_verdict(state), bucket

    async def _check_file(
        self, base: str, plan: DirPlan, master: MasterFile, options: CrawlOptions, log: HostLog
    ) -> Verdict:
        prefix = base + (quote(plan.path) + "/" if plan.path else "")
        answer = await self._request("HEAD", prefix + quote(master.name), options)
        if answer.status == -1:
            log("WARNING", f"{plan.path}/{master.name}: redirect to {answer.url} refused")
            return None
        seen = ListedEntry(content_length(answer.headers), _last_modified(answer.headers))
        verdict = judge_head(master, answer.status, seen)
        if verdict is False:
            log("INFO", f"{plan.path}/{master.name}: stale (HTTP {answer.status})")
        return verdict


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
