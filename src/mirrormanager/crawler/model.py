"""Plain data the crawler passes around: what to check, the options, and what came out.

Plans are built from the database before any network I/O and are not ORM objects, so the
crawl itself never touches a session; results go back in one transaction per host.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlsplit

from mirrormanager.crawler.compare import MasterFile, RepomdGeneration, Verdict
from mirrormanager.errors import MirrorManagerError
from mirrormanager.settings import Settings


class CrawlError(MirrorManagerError):
    """A mirror could not be crawled over one URL; carries the URL, its host and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}", url=url, host=_hostname(url))
        self.url: str = url
        self.reason = reason


def _hostname(url: str) -> str:
    """The host name in ``url`` ("" when it has none or is malformed, e.g. from a redirect)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class DirPlan:
    """A master directory of a category, as the crawler needs it."""

    directory_id: int
    path: str  # relative to the category top directory, "" for the top itself
    files: tuple[MasterFile, ...]
    repomd: tuple[RepomdGeneration, ...] = ()  # newest first; only for repodata directories

    @property
    def is_repodata(self) -> bool:
        return bool(self.repomd)


@dataclass(frozen=True, slots=True)
class MasterTimelist:
    """The master's ``fullfiletimelist-*`` of a category, as the HTTP connector needs it.

    Built once per category at plan time; a mirror's copy sits at the same place relative
    to the category URL (the top itself, or its parent when ``prefix`` is set).
    """

    name: str  # e.g. "fullfiletimelist-fedora"
    prefix: str  # "" (list in the category top) or e.g. "linux/" (list in its parent)
    sha256: str  # of the master's current list
    size: int
    wanted: frozenset[str]  # paths (relative to the top) of the files planned outside repodata


@dataclass(frozen=True, slots=True)
class CategoryPlan:
    """One category a host carries, with its URLs in the order they will be tried."""

    host_category_id: int
    category_id: int
    name: str
    urls: tuple[str, ...]
    always_up2date: bool
    dirs: tuple[DirPlan, ...]
    timelist: MasterTimelist | None = None  # None: the master has no list for it


@dataclass(frozen=True, slots=True)
class HostPlan:
    id: int
    name: str
    site: str
    max_connections: int
    categories: tuple[CategoryPlan, ...]


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """Everything that bounds and shapes one crawl run (from settings and the command line)."""

    concurrency: int = 32
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    host_timeout: float = 7200.0  # seconds, per host
    max_response_bytes: int = 64 << 20  # ceiling of every cap below
    max_repomd_bytes: int = 1 << 20  # kept in memory, one per connection
    max_timelist_bytes: int = 64 << 20  # streamed: hashed and parsed, not kept
    max_listing_bytes: int = 64 << 20  # an rsync listing, streamed line by line
    host_max_connections: int = 8  # ceiling of a host's own max_connections
    protocol: str = "auto"
    cross_host_redirects: bool = False
    rsync_args: tuple[str, ...] = ("--no-motd", "--timeout=600")
    repodata_only: bool = False
    auto_disable: int = 4
    alternate_window: int = 4 * 86400  # seconds a replaced repomd.xml is still acceptable
    log_dir: Path | None = None
    log_keep: int = 5
    debug: bool = False
    record_propagation: bool = True
    now: int | None = None  # the clock for the alternate window; None = the real time
    probe_reachability: bool = False  # one TCP connect per IP family to each host
    # Propagation run: fetch repomd.xml, record PropagationStat, store nothing per host.
    propagation_only: bool = False
    # Full HTTP crawls: judge directories from the mirror's fullfiletimelist when it has one.
    use_timelist: bool = True
    # A stale directory with at most this many differing files still serves the others.
    max_differing_files: int = 64
    # Where the master tree is mounted (its fullfiletimelist-* files); None: no lists.
    master_prefix: Path | None = None
    # Hosts that may send their first, light request (the HEAD of the base URL) before
    # they get one of the ``concurrency`` slots, so a mirror that never answers is found
    # at the start of the crawl instead of when its turn comes; 0: none.
    hosts_ahead: int = 512

    def cap(self, document: Literal["repomd", "timelist", "listing"]) -> int:
        """The most bytes read of one such document (decoded), within the overall ceiling."""
        own = {
            "repomd": self.max_repomd_bytes,
            "timelist": self.max_timelist_bytes,
            "listing": self.max_listing_bytes,
        }[document]
        return min(own, self.max_response_bytes)

    @classmethod
    def from_settings(cls, settings: Settings) -> CrawlOptions:
        """The options of a crawl as the settings table configures it."""
        return cls(
            concurrency=settings.crawler_concurrency,
            connect_timeout=settings.crawler_connect_timeout,
            read_timeout=settings.crawler_read_timeout,
            host_timeout=settings.crawler_host_timeout_minutes * 60,
            max_response_bytes=settings.crawler_max_response_bytes,
            max_repomd_bytes=settings.crawler_max_repomd_bytes,
            max_timelist_bytes=settings.crawler_max_timelist_bytes,
            max_listing_bytes=settings.crawler_max_listing_bytes,
            host_max_connections=settings.crawler_host_max_connections,
            protocol=settings.crawler_protocol,
            cross_host_redirects=settings.crawler_cross_host_redirects,
            rsync_args=tuple(settings.crawler_rsync_args),
            auto_disable=settings.crawler_auto_disable,
            alternate_window=int(settings.file_detail_keep_days * 86400),
            log_dir=Path(settings.log_dir),
            log_keep=settings.crawler_log_keep,
            probe_reachability=settings.crawler_probe_reachability,
            master_prefix=Path(settings.master_prefix),
            max_differing_files=settings.crawler_max_differing_files,
            hosts_ahead=settings.crawler_hosts_ahead,
        )


class HostStatus(enum.Enum):
    OK = "ok"  # at least one category judged (or all always_up2date)
    FAILED = "failed"  # no category could be crawled
    TIMEOUT = "timeout"  # the host's total time limit ran out
    UNKNOWN = "unknown"  # nothing to judge (no categories); counters untouched


# PropagationStat bucket of a repodata directory: current, one_behind, older or failed.
RepomdObservation = str


@dataclass(slots=True)
class CategoryOutcome:
    plan: CategoryPlan
    ok: bool = False
    url: str | None = None
    error: str | None = None
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    complete: bool = False  # every readable directory judged (not a repodata-only crawl)
    repomd: dict[int, RepomdObservation] = field(default_factory=dict)  # by directory id
    # stale directory id -> the names of the master's files that differ there (a short list)
    differing: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class HostOutcome:
    host: HostPlan
    status: HostStatus = HostStatus.UNKNOWN
    reason: str | None = None
    categories: list[CategoryOutcome] = field(default_factory=list)
    requests: int = 0
    started: float = 0.0  # epoch seconds
    seconds: float = 0.0  # crawling, not counting ``waited``
    waited: float = 0.0  # for a crawl slot, after the first requests
    log: list[str] = field(default_factory=list)
    reachable: tuple[bool | None, bool | None] | None = None  # (IPv4, IPv6) when probed

    @property
    def stale_dirs(self) -> int:
        return sum(1 for c in self.categories if c.ok for v in c.verdicts.values() if v is False)


@dataclass(frozen=True, slots=True)
class CategoryCheck:
    """What a connector found for one category over one URL."""

    verdicts: dict[int, Verdict]
    repomd: dict[int, RepomdObservation]
    # Stale directories the mirror holds, whose differing files are known and at most
    # ``max_differing_files``: directory id -> the names. Others stale: unavailable.
    differing: dict[int, tuple[str, ...]] = field(default_factory=dict)


# Awaited by a connector before it does more than a light first request (the HEAD of a
# base URL): waits for the host's crawl slot; returns at once when it has it.
Admit = Callable[[], Awaitable[None]]


async def admitted() -> None:
    """The Admit of a host that needs no slot (a connector used on its own, in tests)."""


class HostLog(Protocol):
    def __call__(self, level: str, message: str) -> None: ...


class DisabledNotifier(Protocol):
    """Tells people that the crawler disabled a host (called after the crawl, off the loop)."""

    def __call__(
        self,
        *,
        host_name: str,
        site_name: str,
        host_id: int,
        reason: str,
        recipients: Sequence[str] = (),
    ) -> object: ...


class Connector(Protocol):
    """Checks the directories of one category on one mirror over one URL.

    Raises CrawlError when the URL cannot be crawled at all (refused, TLS, garbage, too
    large, too slow); per-directory trouble becomes a ``None`` verdict instead. Only a
    light first request may come before ``await admit()``.
    """

    requests: int

    async def check(
        self,
        url: str,
        dirs: tuple[DirPlan, ...],
        options: CrawlOptions,
        log: HostLog,
        *,
        timelist: MasterTimelist | None = None,
        admit: Admit = admitted,
    ) -> CategoryCheck: ...

    async def aclose(self) -> None: ...
