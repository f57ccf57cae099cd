"""The access-log parser: counts, malformed lines with numbers, gzip, block boundaries."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from mirrormanager.mirrorlist.accesslog import format_line
from mirrormanager.stats.logparse import DayKey, parse_file, parse_stream

FIXTURE = Path(__file__).parents[2] / "functional" / "stats" / "access.log"
NOV26 = dt.date(2026, 11, 26)
NOV27 = dt.date(2026, 11, 27)

GOLDEN = {
    DayKey(NOV26, "fedora-41", "x86_64", "DE"): 1,
    DayKey(NOV27, "fedora-41", "x86_64", "DE"): 2,
    DayKey(NOV27, "updates-released-f41", "aarch64", "US"): 1,
    DayKey(NOV27, "epel-9", "x86_64", ""): 1,
    DayKey(NOV27, "rawhide", "x86_64", "FR"): 2,
    DayKey(NOV27, "epel-9", "x86_64", "JP"): 1,
}


def test_golden_counts_of_the_fixture_log() -> None:
    result = parse_file(FIXTURE)
    assert dict(result.counts) == GOLDEN
    assert result.lines == 12
    assert result.requests == 8
    assert result.malformed == 4
    assert [number for number, _ in result.examples] == [6, 9, 10, 11]
    assert result.examples[0][1] == "this line is not an access log line"


@pytest.mark.parametrize("block_size", [1, 7, 64, 1 << 20])
def test_block_size_does_not_change_the_counts(block_size: int) -> None:
    data = FIXTURE.read_bytes()
    result = parse_stream(io.BytesIO(data), block_size=block_size)
    assert dict(result.counts) == GOLDEN
    assert (result.lines, result.malformed) == (12, 4)
    assert [number for number, _ in result.examples] == [6, 9, 10, 11]


def test_gzip_file_counts_like_plain_and_has_the_same_fingerprint(tmp_path: Path) -> None:
    rotated = tmp_path / "mirrorlist-access.log.2.gz"
    rotated.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    plain, packed = parse_file(FIXTURE), parse_file(rotated)
    assert packed.counts == plain.counts
    assert packed.fingerprint == plain.fingerprint
    assert packed.size == FIXTURE.stat().st_size


def test_last_line_without_newline_counts() -> None:
    data = FIXTURE.read_bytes().rstrip(b"\n")
    result = parse_stream(io.BytesIO(data), block_size=16)
    assert result.lines == 12 and result.requests == 8


def test_lines_written_by_the_mirrorlist_server_parse() -> None:
    when = dt.datetime(2026, 11, 27, 11, 38, 39, tzinfo=dt.UTC).timestamp()
    text = format_line("81.2.3.4", when, "DE", "fedora-41", "x86_64", "mirrorlist")
    text += format_line("::1", when, "", "fe\tdora", "x86_64", "metalink")  # tab → '?'
    result = parse_stream(io.BytesIO(text.encode()))
    assert result.malformed == 0
    assert dict(result.counts) == {
        DayKey(NOV27, "fedora-41", "x86_64", "DE"): 1,
        DayKey(NOV27, "fe?dora", "x86_64", ""): 1,
    }


def test_garbage_never_raises() -> None:
    data = (
        b"\x00\xff\xfe\n\t\t\t\t\t\n"
        + "ü\t2026-11-27T00:00:00Z\tDE\tr\xe9po\tx\tmetalink\n".encode("latin-1")
    )
    result = parse_stream(io.BytesIO(data))
    assert result.lines == 3 and result.malformed == 3 and not result.counts


def test_different_files_have_different_fingerprints() -> None:
    data = FIXTURE.read_bytes()
    one = parse_stream(io.BytesIO(data))
    two = parse_stream(io.BytesIO(data + data))
    assert one.fingerprint != two.fingerprint


def test_parallel_parse_counts_the_same() -> None:
    data = FIXTURE.read_bytes() * 50
    serial = parse_stream(io.BytesIO(data), block_size=100)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = parse_stream(io.BytesIO(data), block_size=100, pool=pool, window=3)
    assert parallel.counts == serial.counts
    assert (parallel.lines, parallel.malformed) == (serial.lines, serial.malformed) == (600, 200)
    assert parallel.examples == serial.examples
    assert [n for n, _ in parallel.examples] == [6, 9, 10, 11, 18]
    assert parallel.fingerprint == serial.fingerprint
