"""Getting a built snapshot to the mirrorlist servers: push with rsync, or pull over HTTP.

Both ends stay atomic. Pushing runs ``rsync -a --delay-updates``: rsync writes the file
under a temporary name in the destination folder and renames it into place only once it is
complete, so a server never loads half a file. Fetching downloads into memory (bounded),
validates, and publishes through :func:`mirrormanager.snapshot.store.publish` (temporary
file, fsync, rename, previous generation kept in ``old/``).

A snapshot is validated before it leaves this host and again after it arrives by HTTP:
the whole file is decoded (header checksum, body sha256, body), so a truncated or corrupt
file is never pushed and never replaces a good one.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import httpx

from mirrormanager import __version__
from mirrormanager.errors import FormatError, TransferError
from mirrormanager.formats.snapshot_file import decode_any, detect_format
from mirrormanager.logging import get_logger
from mirrormanager.snapshot.store import folder_lock, publish

log = get_logger(__name__)

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
ETAG_SUFFIX = ".etag"
# How much of rsync's stderr a failure report carries: the last lines say what went wrong.
_STDERR_TAIL = 500


@dataclass(frozen=True, slots=True)
class CheckedSnapshot:
    """A snapshot file that decoded completely: safe to hand to the mirrorlist servers."""

    path: Path
    format: str
    serial: int
    bytes: int


def check_snapshot_file(path: str | Path) -> CheckedSnapshot:
    """Decode ``path`` completely (header, checksums, body); FormatError names the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(
            f"cannot read snapshot {path}: {exc.strerror}",
            hint="build it first with `mirrormanager snapshot`",
            path=path,
        ) from None
    try:
        snap = decode_any(raw, source=str(path))
    except FormatError as exc:
        raise FormatError(
            f"refusing to publish {path}: {exc.message}",
            hint="rebuild it with `mirrormanager snapshot`; the servers keep their copy",
            path=path,
        ) from None
    return CheckedSnapshot(path, detect_format(raw), snap.serial, len(raw))


# --- push ------------------------------------------------------------------------------


class Pusher(Protocol):
    """Copies one file to one destination atomically; raises TransferError on failure."""

    def push(self, path: Path, destination: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RsyncPusher:
    """``rsync -a --delay-updates`` to a local path or, over ssh, to ``host:path``.

    The file keeps its name in a destination folder (``DEST/``); ssh options (user, port,
    key) belong in the ssh client configuration of the account that runs the push.
    """

    timeout: float = DEFAULT_TIMEOUT
    rsync: str = "rsync"
    ssh: str = "ssh"

    def command(self, path: Path, destination: str) -> list[str]:
        seconds = max(1, round(self.timeout))
        # BatchMode: a missing key must fail at once, not wait for a password at 3 a.m.
        rsh = f"{shlex.quote(self.ssh)} -o BatchMode=yes -o ConnectTimeout={seconds}"
        return [
            self.rsync,
            "-a",
            "--delay-updates",
            # Never trust size + mtime: two builds in one second can have the same size.
            "--ignore-times",
            f"--timeout={seconds}",
            "--rsh",
            rsh,
            str(path),
            destination,
        ]

    def push(self, path: Path, destination: str) -> None:
        argv = self.command(path, destination)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise TransferError(
                f"cannot run {self.rsync}: {exc.strerror}", url=destination
            ) from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            detail = "; ".join(lines)[-_STDERR_TAIL:] or "no message"
            raise TransferError(f"rsync exited {done.returncode}: {detail}", url=destination)


@dataclass(frozen=True, slots=True)
class TargetResult:
    target: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass(frozen=True, slots=True)
class PushReport:
    snapshot: CheckedSnapshot
    results: tuple[TargetResult, ...]

    @property
    def failed(self) -> tuple[TargetResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def unique_targets(*groups: Iterable[str]) -> tuple[str, ...]:
    """The targets of all groups in order, each once, blanks dropped."""
    seen: dict[str, None] = {}
    for group in groups:
        for target in group:
            if target.strip():
                seen.setdefault(target.strip(), None)
    return tuple(seen)


def push_snapshot(
    path: str | Path, targets: Sequence[str], *, pusher: Pusher | None = None
) -> PushReport:
    """Validate the snapshot, then push it to every target; one failure stops none of the
    others. FormatError (nothing pushed) when the file is corrupt."""
    checked = check_snapshot_file(path)
    pusher = pusher or RsyncPusher()
    results = []
    for target in targets:
        started = time.monotonic()
        try:
            pusher.push(checked.path, target)
        except TransferError as exc:
            result = TargetResult(target, False, time.monotonic() - started, exc.message)
            log.error("snapshot push failed", target=target, error=exc.message)
        else:
            result = TargetResult(target, True, time.monotonic() - started)
            log.info("snapshot pushed", target=target, serial=checked.serial, bytes=checked.bytes)
        results.append(result)
    return PushReport(checked, tuple(results))


# --- fetch -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    path: Path
    status: Literal["updated", "not-modified"]
    serial: int | None = None
    bytes: int = 0
    etag: str | None = None

    def summary(self) -> str:
        if self.status == "not-modified":
            return f"{self.path}: not modified at {self.url}"
        return f"{self.path}: serial {self.serial}, {self.bytes} bytes from {self.url}"


def etag_path(path: Path) -> Path:
    return path.with_name(path.name + ETAG_SUFFIX)


def _stored_etag(path: Path) -> str | None:
    # Without the snapshot itself the ETag means nothing: ask for the whole file.
    if not path.exists():
        return None
    try:
        etag = etag_path(path).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return etag or None


def _download(
    client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int
) -> tuple[int, bytes, str | None]:
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return 304, b"", response.headers.get("etag")
            if response.status_code != 200:
                raise TransferError(f"{url} answered HTTP {response.status_code}", url=url)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise TransferError(
                    f"{url} is {declared} bytes, more than the limit of {max_bytes}", url=url
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TransferError(
                        f"{url} sent more than the limit of {max_bytes} bytes", url=url
                    )
                chunks.append(chunk)
            return 200, b"".join(chunks), response.headers.get("etag")
    except httpx.HTTPError as exc:
        raise TransferError(f"cannot fetch {url}: {exc}", url=url) from None


def _current_format(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    return detect_format(head) if head else None


def fetch_snapshot(
    client: httpx.Client,
    url: str,
    output: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FetchResult:
    """Download the snapshot at ``url`` into ``output`` unless it is unchanged (ETag).

    The download is decoded completely before it replaces ``output``; a corrupt download
    raises FormatError and leaves the current file (and its ETag) alone. The ETag is stored
    beside the file as ``FILE.etag``, written after the file, so a crash in between only
    costs one more full download.
    """
    output = Path(output)
    etag = _stored_etag(output)
    headers = {"If-None-Match": etag} if etag else {}
    status, data, new_etag = _download(client, url, headers, max_bytes)
    if status == 304:
        if not etag:
            raise TransferError(
                f"{url} answered 304 Not Modified to a request without an ETag", url=url
            )
        log.info("snapshot not modified", url=url, path=str(output))
        return FetchResult(url, output, "not-modified", etag=etag)
    try:
        snap = decode_any(data, source=url)
        current = _current_format(output)
        if current and current != detect_format(data):
            # A native file whose magic got damaged would otherwise be tried as protobuf.
            raise FormatError(f"it is {detect_format(data)}, the file it replaces is {current}")
    except FormatError as exc:
        raise FormatError(
            f"refusing the snapshot from {url}: {exc.message}",
            hint=f"{output} is kept as it was",
            url=url,
            path=output,
        ) from None
    with folder_lock(output):
        publish(data, output)
        tag_file = etag_path(output)
        if new_etag:
            publish((new_etag + "\n").encode("ascii", "replace"), tag_file, keep_old=False)
        else:
            tag_file.unlink(missing_ok=True)
    log.info("snapshot fetched", url=url, path=str(output), serial=snap.serial, bytes=len(data))
    return FetchResult(url, output, "updated", snap.serial, len(data), new_etag)


def make_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """The client `snapshot fetch` uses: explicit timeouts, redirects followed."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        headers={"User-Agent": f"mirrormanager/{__version__} snapshot-fetch"},
    )
