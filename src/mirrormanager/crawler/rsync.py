"""rsync connector: one ``rsync --list-only -r`` of the whole category per host.

One connection per host and category, instead of one request per file: the politest way
to look at a mirror. The real ``rsync`` binary runs with a minimal environment (``TZ=UTC``
so listing times are UTC, ``LC_ALL=C``), its output is read line by line up to
``max_listing_bytes`` and only the paths the master cares about are kept; the process is
killed when the host's time runs out or the listing grows too large.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator

from mirrormanager.crawler.compare import (
    ListedEntry,
    Verdict,
    differing_files,
    file_matches,
)
from mirrormanager.crawler.listing import Listing
from mirrormanager.crawler.model import (
    Admit,
    CategoryCheck,
    CrawlError,
    CrawlOptions,
    DirPlan,
    HostLog,
    MasterTimelist,
    RepomdObservation,
    admitted,
)

# 23: some files could not be read; 24: files vanished during the listing. The listing of
# everything else is still complete and worth using.
_USABLE_EXIT_CODES = frozenset({0, 23, 24})
_LINE_LIMIT = 1 << 20
_STDERR_KEEP = 2000


def rsync_command(url: str, options: CrawlOptions) -> list[str]:
    binary = shutil.which("rsync") or "rsync"
    timeout = max(1, int(options.connect_timeout))
    return [
        binary,
        "--list-only",
        "--recursive",
        "--no-human-readable",
        f"--contimeout={timeout}",
        *options.rsync_args,
        url.rstrip("/") + "/",
    ]


def _environment() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC", "LC_ALL": "C"}


class RsyncConnector:
    """Lists a category with the rsync binary and judges every directory from the listing."""

    def __init__(self) -> None:
        self.requests = 0

    async def aclose(self) -> None:
        return None

    async def check(
        self,
        url: str,
        dirs: tuple[DirPlan, ...],
        options: CrawlOptions,
        log: HostLog,
        *,
        timelist: MasterTimelist | None = None,  # unused: one listing already covers it all
        admit: Admit = admitted,
    ) -> CategoryCheck:
        if not url.startswith("rsync://") or any(c.isspace() for c in url):
            raise CrawlError(url, "not an rsync:// URL")
        await admit()  # the listing is the whole crawl: nothing light comes first
        fast = options.repodata_only or options.propagation_only
        selected = [d for d in dirs if d.is_repodata or not fast]
        wanted = {d.path for d in selected}
        for plan in selected:
            prefix = f"{plan.path}/" if plan.path else ""
            wanted.update(prefix + f.name for f in plan.files)
        self.requests += 1
        listing = await self._list(url, wanted, options, log)
        verdicts: dict[int, Verdict] = {}
        repomd: dict[int, RepomdObservation] = {}
        differing: dict[int, tuple[str, ...]] = {}
        for plan in selected:
            present = plan.path == "" or plan.path in listing.entries
            names = differing_files(
                plan.path, plan.files, listing.entries, limit=options.max_differing_files
            )
            verdicts[plan.directory_id] = present and names == ()
            if present and names and not plan.is_repodata:
                differing[plan.directory_id] = names
            if plan.is_repodata:
                repomd[plan.directory_id] = _repomd_state(plan, listing.entries)
        return CategoryCheck(verdicts, repomd, differing)

    async def _list(
        self, url: str, wanted: set[str], options: CrawlOptions, log: HostLog
    ) -> Listing:
        command = rsync_command(url, options)
        log("DEBUG", "running " + " ".join(command))
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=_environment(),
                limit=_LINE_LIMIT,
            )
        except OSError as exc:
            raise CrawlError(url, f"cannot run rsync: {exc}") from None
        async with _reaped(process):
            assert process.stdout is not None and process.stderr is not None
            stderr_task = asyncio.ensure_future(_tail(process.stderr))
            try:
                listing = await _read_listing(process.stdout, url, wanted, options)
                code = await process.wait()
                stderr = (await stderr_task).decode("utf-8", "replace").strip()
            finally:
                stderr_task.cancel()
        if code not in _USABLE_EXIT_CODES:
            detail = stderr.splitlines()[-1] if stderr else "no message"
            raise CrawlError(url, f"rsync exit code {code}: {detail}")
        if not listing.looks_valid:
            raise CrawlError(
                url, f"rsync listing not understood ({listing.garbage} of {listing.lines} lines)"
            )
        log("INFO", f"rsync listed {listing.lines} entries (exit code {code})")
        return listing


async def _read_listing(
    stream: asyncio.StreamReader, url: str, wanted: set[str], options: CrawlOptions
) -> Listing:
    listing = Listing()
    read = 0
    async for line in _lines(stream, url):
        read += len(line)
        if read > options.cap("listing"):
            raise CrawlError(url, f"listing larger than {options.cap('listing')} bytes")
        listing.add(line.decode("utf-8", "surrogateescape"), wanted)
    return listing


def _repomd_state(plan: DirPlan, entries: dict[str, ListedEntry]) -> RepomdObservation:
    # rsync shows size and mtime, not a hash: current or not is all it can tell.
    master = next((f for f in plan.files if f.name == "repomd.xml"), None)
    if master is None:
        return "failed"
    seen = entries.get(f"{plan.path}/repomd.xml" if plan.path else "repomd.xml")
    return "current" if file_matches(master, seen) else "older"


async def _lines(stream: asyncio.StreamReader, url: str) -> AsyncIterator[bytes]:
    while True:
        try:
            line = await stream.readline()
        except (ValueError, asyncio.LimitOverrunError):
            raise CrawlError(url, f"rsync output line longer than {_LINE_LIMIT} bytes") from None
        if not line:
            return
        yield line


async def _tail(stream: asyncio.StreamReader) -> bytes:
    """Read stderr to the end (so rsync never blocks on it), keeping only the tail."""
    kept = b""
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-_STDERR_KEEP:]
    return kept


@contextlib.asynccontextmanager
async def _reaped(process: asyncio.subprocess.Process) -> AsyncIterator[None]:
    """Kill rsync on any early exit (error, time limit, interrupt) and wait for it."""
    try:
        yield
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
