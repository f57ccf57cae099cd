"""Parse mirrorlist access logs into daily request counts (pure: bytes in, counts out).

The log is the one `mirrorlist/accesslog.py` writes: tab-separated client address, ISO 8601
UTC time, country ("" unknown), repo, arch, endpoint (mirrorlist or metalink).

Speed comes from never touching a line in Python on the good path: the file is read in
blocks of a few MiB, one compiled regular expression pulls (day, country, repo, arch) out of
every well-formed line of a block in C, and a Counter of those tuples counts them in C.
Only a block whose match count differs from its line count is walked line by line, to
report the line numbers of its malformed lines. Memory is bounded by the block size and by
the number of distinct (day, country, repo, arch) keys, never by the size of the log.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

BLOCK_SIZE = 4 << 20
FINGERPRINT_BYTES = 64 << 10
MAX_EXAMPLES = 5

# Fields: address, time (keep the day), then country, repo and arch kept as one group (fewer
# objects per line: measurably faster), then the endpoint.
_LINE = re.compile(
    rb"^[^\t\n]*\t(\d{4}-\d\d-\d\d)T\d\d:\d\d:\d\dZ"
    rb"\t((?:[A-Z0-9]{2}|)\t[^\t\n]{1,100}\t[^\t\n]{1,50})\t(?:mirrorlist|metalink)\r?$",
    re.MULTILINE,
)

Key = tuple[bytes, bytes]  # (YYYY-MM-DD, country TAB repo TAB arch), raw bytes


@dataclass(frozen=True, slots=True)
class DayKey:
    """One aggregate row: requests for a repo/arch from a country on a day."""

    day: dt.date
    repo: str
    arch: str
    country: str


@dataclass(slots=True)
class ParseResult:
    counts: Counter[DayKey] = field(default_factory=Counter)
    lines: int = 0
    malformed: int = 0
    # (line number, first 120 characters) of the first few malformed lines.
    examples: list[tuple[int, str]] = field(default_factory=list)
    fingerprint: str = ""
    size: int = 0  # bytes of log text (after decompression)

    @property
    def requests(self) -> int:
        return sum(self.counts.values())


def open_log(path: Path) -> BinaryIO:
    """Open a log for binary reading; gzip-compressed files (rotated `.gz`) by magic number."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _blocks(stream: BinaryIO, block_size: int) -> Iterator[bytes]:
    """Blocks of whole lines, each ending with a newline (one is added at the end of data)."""
    rest = b""
    while True:
        data = stream.read(block_size)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest:
        yield rest + b"\n"


class _Fingerprint:
    """sha256 over the first and last 64 KiB of the text and its length.

    Taken over the decompressed text, so `access.log.1` and the same file compressed later
    by logrotate (`access.log.2.gz`) have one fingerprint and count once.
    """

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = b""
        self.size = 0

    def update(self, data: bytes) -> None:
        self.size += len(data)
        if len(self.head) < FINGERPRINT_BYTES:
            self.head += data[: FINGERPRINT_BYTES - len(self.head)]
        self.tail = (self.tail + data[-FINGERPRINT_BYTES:])[-FINGERPRINT_BYTES:]

    def hexdigest(self) -> str:
        digest = hashlib.sha256()
        digest.update(bytes(self.head))
        digest.update(self.tail)
        digest.update(str(self.size).encode())
        return digest.hexdigest()


def _valid_key(key: Key, days: dict[bytes, dt.date] | None = None) -> DayKey | None:
    day, rest = key
    try:
        date = days.get(day) if days is not None else None
        if date is None:
            date = dt.date.fromisoformat(day.decode("ascii"))
            if days is not None:
                days[day] = date
        country, repo, arch = rest.decode("utf-8").split("\t")
        return DayKey(date, repo, arch, country)
    except (ValueError, UnicodeDecodeError):
        return None


def _is_good_line(line: bytes) -> bool:
    match = _LINE.fullmatch(line)
    return match is not None and _valid_key(match.groups()) is not None  # type: ignore[arg-type]


# Per process: raw key → well-formed? (bounded by the number of distinct keys)
_KEY_OK: dict[Key, bool] = {}


@dataclass(frozen=True, slots=True)
class BlockCount:
    lines: int
    malformed: int
    counts: dict[Key, int]  # well-formed keys only
    examples: list[tuple[int, str]]  # line numbers relative to the block, from 1


def count_block(block: bytes, examples: bool = True) -> BlockCount:
    """Count one block of whole lines (runs in a worker process when parsing in parallel).

    Finding the line numbers of malformed lines walks the block in Python, so it is done
    only while the caller still wants `examples`.
    """
    lines = block.count(b"\n")
    found: list[Key] = _LINE.findall(block)
    counts = Counter(found)
    malformed = lines - len(found)
    for key in [k for k in counts if not _key_ok(k)]:
        # Rare: a well-shaped line with an impossible date or a non-UTF-8 name.
        malformed += counts.pop(key)
    found_examples = _examples(block) if malformed and examples else []
    return BlockCount(lines, malformed, counts, found_examples)


def _key_ok(key: Key) -> bool:
    ok = _KEY_OK.get(key)
    if ok is None:
        ok = _KEY_OK[key] = _valid_key(key) is not None
    return ok


def _examples(block: bytes) -> list[tuple[int, str]]:
    examples = []
    for number, line in enumerate(block.split(b"\n")[:-1], start=1):
        if not _is_good_line(line):
            examples.append((number, line[:120].decode("utf-8", "replace")))
            if len(examples) >= MAX_EXAMPLES:
                break
    return examples


def _in_order(
    blocks: Iterator[bytes], pool: Executor | None, window: int, wanted: Callable[[], bool]
) -> Iterator[BlockCount]:
    """Block counts in file order; at most `window` blocks in flight (bounded memory)."""
    if pool is None:
        for block in blocks:
            yield count_block(block, wanted())
        return
    pending: deque[Future[BlockCount]] = deque()
    for block in blocks:
        pending.append(pool.submit(count_block, block, wanted()))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def parse_stream(
    stream: BinaryIO,
    *,
    block_size: int = BLOCK_SIZE,
    pool: Executor | None = None,
    window: int = 4,
) -> ParseResult:
    """Count one log's requests per day, country, repo and arch; never raises on bad lines.

    With a process pool the blocks are counted in its workers while this process reads
    (and decompresses) the next ones.
    """
    result = ParseResult()
    raw: Counter[Key] = Counter()
    print_ = _Fingerprint()

    def blocks() -> Iterator[bytes]:
        for block in _blocks(stream, block_size):
            print_.update(block)
            yield block

    def wanted() -> bool:
        return len(result.examples) < MAX_EXAMPLES

    for counted in _in_order(blocks(), pool, window, wanted):
        if len(result.examples) < MAX_EXAMPLES:
            result.examples.extend((result.lines + n, text) for n, text in counted.examples)
            del result.examples[MAX_EXAMPLES:]
        raw.update(counted.counts)
        result.malformed += counted.malformed
        result.lines += counted.lines
    days: dict[bytes, dt.date] = {}
    for key, count in raw.items():
        good = _valid_key(key, days)
        assert good is not None  # count_block kept well-formed keys only
        result.counts[good] += count
    result.fingerprint = print_.hexdigest()
    result.size = print_.size
    return result


def parse_file(
    path: Path, *, block_size: int = BLOCK_SIZE, pool: Executor | None = None
) -> ParseResult:
    with open_log(path) as stream:
        return parse_stream(stream, block_size=block_size, pool=pool)
