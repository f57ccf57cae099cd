"""The snapshot a worker serves: load, validate, precompute, swap one reference.

Loading runs in a thread (decode + index building take seconds at Fedora scale); the
event loop keeps answering from the old `Loaded` until the new one is complete, then a
single attribute assignment swaps it. A file that fails to load is refused with a logged
reason and the old data keeps serving.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mirrormanager.core.pool import AnswerPools
from mirrormanager.core.selection_index import SelectionIndex
from mirrormanager.core.snapshot_model import Snapshot
from mirrormanager.errors import FormatError
from mirrormanager.formats.snapshot_file import decode_any
from mirrormanager.logging import get_logger
from mirrormanager.mirrorlist.prepared import prepare_record

log = get_logger(__name__)

Decoder = Callable[[bytes], Snapshot]
FileKey = tuple[int, int, int]  # (mtime_ns, size, inode)


@dataclass(frozen=True, slots=True)
class Loaded:
    snapshot: Snapshot
    index: SelectionIndex
    sha256: str
    file_key: FileKey
    load_seconds: float
    # answers drawn in advance per client class, for this snapshot (None: every answer
    # drawn per request)
    pools: AnswerPools | None = None


def default_decoder(raw: bytes) -> Snapshot:
    """Native or MirrorManager2 protobuf (`formats.snapshot_file`)."""
    return decode_any(raw)


def file_key(path: Path) -> FileKey | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load(
    path: Path,
    *,
    minimum: int,
    embargoed: tuple[str, ...],
    decoder: Decoder,
    strict_family: bool = False,
    distance_order: bool = True,
    pool_size: int = 0,
    pool_bytes: int = 64 << 20,
) -> Loaded:
    """Read, checksum, decode and index one snapshot file; FormatError if it is bad."""
    started = time.perf_counter()
    key = file_key(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read snapshot {path}: {exc.strerror}") from exc
    try:
        snapshot = decoder(raw)
    except FormatError:
        raise
    except Exception as exc:  # a decoder bug or a corrupt file: refuse, never crash
        raise FormatError(f"snapshot {path} does not decode: {exc!r}") from exc
    if not isinstance(snapshot.hosts, dict) or not isinstance(snapshot.directories, dict):
        raise FormatError(f"snapshot {path} is not a Snapshot")
    index = SelectionIndex(
        snapshot,
        minimum=minimum,
        embargoed=embargoed,
        prepare=prepare_record,
        strict_family=strict_family,
        distance_order=distance_order,
    )
    return Loaded(
        snapshot=index.snapshot,  # the same data, without the routing table rows
        index=index,
        sha256=hashlib.sha256(raw).hexdigest(),
        file_key=key or (0, len(raw), 0),
        load_seconds=time.perf_counter() - started,
        pools=AnswerPools(index, size=pool_size, max_bytes=pool_bytes),
    )


def settle_memory() -> None:
    """After a swap: free the old snapshot's cycles, then freeze what is alive.

    A snapshot is ~150,000 GC-tracked objects that live until the next swap; a full
    collection walks them all (~50 ms: a p99 outlier of every request in flight).
    `gc.freeze()` moves them out of the collector's reach; unfreezing first lets the
    collection free whatever cycles the previous snapshot left.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class SnapshotHolder:
    """The current `Loaded` (None before the first good load) and its reload loop."""

    def __init__(
        self,
        path: Path,
        *,
        minimum: int = 5,
        embargoed: tuple[str, ...] = (),
        strict_family: bool = False,
        distance_order: bool = True,
        pool_size: int = 0,
        pool_bytes: int = 64 << 20,
        reload_seconds: float = 2.0,
        decoder: Decoder | None = None,
    ) -> None:
        self.path = path
        self.minimum = minimum
        self.embargoed = embargoed
        self.strict_family = strict_family
        self.distance_order = distance_order
        self.pool_size = pool_size
        self.pool_bytes = pool_bytes
        self.reload_seconds = reload_seconds
        self.decoder: Decoder = decoder or default_decoder
        self.current: Loaded | None = None
        self.refused: FileKey | None = None  # a bad file is not retried until it changes
        self.reloads = 0
        self.failures = 0
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def load_now(self) -> bool:
        """Synchronous first load (at start); False and a warning when there is none yet."""
        try:
            self.current = self._load()
        except FormatError as exc:
            self.failures += 1
            self.refused = file_key(self.path)
            log.warning("snapshot not loaded", path=str(self.path), reason=str(exc))
            return False
        settle_memory()
        self._log_loaded(self.current)
        return True

    def _load(self) -> Loaded:
        """The file read with this holder's options; the first load and reloads agree."""
        return load(
            self.path,
            minimum=self.minimum,
            embargoed=self.embargoed,
            decoder=self.decoder,
            strict_family=self.strict_family,
            distance_order=self.distance_order,
            pool_size=self.pool_size,
            pool_bytes=self.pool_bytes,
        )

    def _log_loaded(self, loaded: Loaded) -> None:
        log.info(
            "snapshot loaded",
            path=str(self.path),
            serial=loaded.snapshot.serial,
            hosts=len(loaded.snapshot.hosts),
            directories=len(loaded.snapshot.directories),
            seconds=round(loaded.load_seconds, 3),
        )

    async def reload(self, *, force: bool = False) -> bool:
        """Load in a thread and swap when the file changed (or `force`); True if swapped."""
        async with self._lock:
            key = file_key(self.path)
            if key is None:
                return False
            current_key = self.current.file_key if self.current else None
            if not force and key in (current_key, self.refused):
                return False
            try:
                loaded = await asyncio.to_thread(self._load)
            except FormatError as exc:
                self.failures += 1
                self.refused = key
                log.error("snapshot refused, old data keeps serving", reason=str(exc))
                return False
            self.current = loaded  # the swap: one reference, atomic for the event loop
            self.refused = None
            self.reloads += 1
            settle_memory()
            self._log_loaded(loaded)
            return True

    def request_reload(self) -> None:
        """From a SIGHUP handler: reload even if the file looks unchanged."""
        self._wake.set()

    async def watch(self) -> None:
        """Check the file every `reload_seconds`, and at once on `request_reload()`."""
        while True:
            forced = False
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.reload_seconds)
                forced = True
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.reload(force=forced)
            except Exception as exc:  # the watcher must outlive any surprise
                log.error("snapshot reload failed", error=repr(exc))

    def install_sighup(self, also: Callable[[], None] | None = None) -> bool:
        """SIGHUP: reload the snapshot (and reopen the access log via `also`)."""

        def on_hup() -> None:
            self.request_reload()
            if also is not None:
                also()

        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_hup)
        except (NotImplementedError, RuntimeError, ValueError):
            try:
                signal.signal(signal.SIGHUP, lambda _s, _f: on_hup())
            except ValueError:
                return False
        return True
