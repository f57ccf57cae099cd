"""Parsing `rsync --list-only -r` output."""

from __future__ import annotations

import calendar

from mirrormanager.crawler.listing import parse_line, parse_listing

LISTING = """\
drwxr-xr-x            4096 2026/10/01 00:00:00 .
drwxr-xr-x            4096 2026/10/01 00:00:00 releases
-rw-r--r--            1234 2026/10/01 00:00:00 releases/41/file with  spaces.iso
lrwxrwxrwx              10 2026/10/01 00:00:00 releases/latest -> 41
-rw-r--r--               5 2026/10/01 12:30:15 odd/we$ird\\#012nl
-rw-r--r--       1,234,567 2026/10/01 00:00:00 ./big.iso
-rw-r--r--               7 2026/10/01 00:00:00 caf\\#303\\#251.txt
"""
EPOCH = calendar.timegm((2026, 10, 1, 0, 0, 0))


def test_every_kind_of_line() -> None:
    listing = parse_listing(LISTING.splitlines())
    entries = listing.entries
    assert listing.garbage == 0 and listing.looks_valid
    assert entries[""].is_dir
    assert entries["releases/41/file with  spaces.iso"].size == 1234
    assert entries["releases/41/file with  spaces.iso"].mtime == EPOCH
    assert entries["releases/latest"].is_link
    assert entries["odd/we$ird\nnl"].mtime == EPOCH + 12 * 3600 + 30 * 60 + 15
    assert entries["big.iso"].size == 1234567
    assert "café.txt" in entries


def test_wanted_keeps_memory_bounded() -> None:
    listing = parse_listing(LISTING.splitlines(), wanted={"big.iso"})
    assert set(listing.entries) == {"big.iso"}
    assert listing.lines == 7


def test_garbage_is_counted_and_rejected() -> None:
    assert parse_line("@ERROR: Unknown module 'pub'") is None
    assert parse_line("-rw-r--r--  12 2026/13/45 00:00:00 bad-date") is None
    garbage = parse_listing(["HTTP/1.1 200 OK", "<html>", "hello"])
    assert garbage.garbage == 3 and not garbage.looks_valid
    assert not parse_listing([]).looks_valid
    mostly_good = parse_listing([*LISTING.splitlines(), "motd line"])
    assert mostly_good.looks_valid
