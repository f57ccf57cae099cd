"""Server-side cache of the public pages (no Flask here: plain data, easy to test).

Entries live for `ttl` seconds (12 h by default, as the SOP's public list) and are keyed by
the request and a *data version*: the newest finished job run (scan, crawl, snapshot,
statistics…) and the newest audit-log entry (every admin change writes one), read from the
database at most every `check_seconds`. So a crawl or an admin edit shows up within
seconds, in every worker process, without any cross-process messaging;
`invalidate_public_cache()` drops this process's entries at once.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import AuditLog, JobRun

DEFAULT_TTL = 12 * 3600
DEFAULT_CHECK_SECONDS = 10.0
MAX_ENTRIES = 512


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    mimetype: str
    etag: str
    created: float


def data_version(session: Session) -> str:
    """Changes whenever a job finishes or an admin changes something."""
    job = session.scalar(select(func.max(JobRun.finished_at)))
    audit = session.scalar(select(func.max(AuditLog.id)))
    return f"{job}|{audit}"


class PageCache:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        check_seconds: float = DEFAULT_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.check_seconds = check_seconds
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._version = ""
        self._version_checked = float("-inf")
        self.hits = 0
        self.misses = 0

    def version(self, load: Callable[[], str]) -> str:
        now = self._clock()
        if now - self._version_checked >= self.check_seconds:
            version = load()
            with self._lock:
                if version != self._version:
                    self._entries.clear()
                    self._version = version
                self._version_checked = now
        return self._version

    def get(self, key: str, version: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get((key, version))
            if entry is None or self._clock() - entry.created > self.ttl:
                self.misses += 1
                return None
            self._entries.move_to_end((key, version))
            self.hits += 1
            return entry

    def put(self, key: str, version: str, body: bytes, mimetype: str) -> Entry:
        etag = hashlib.sha256(body).hexdigest()[:32]
        entry = Entry(body, mimetype, etag, self._clock())
        with self._lock:
            self._entries[(key, version)] = entry
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version_checked = float("-inf")


_caches: weakref.WeakSet[PageCache] = weakref.WeakSet()


def register(cache: PageCache) -> PageCache:
    _caches.add(cache)
    return cache


def invalidate_public_cache() -> None:
    """Drop every cached public page of this process (call after an admin change)."""
    for cache in list(_caches):
        cache.clear()
