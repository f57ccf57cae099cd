"""URL order, shard parsing, and the per-host crawl logs the web UI shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mirrormanager.crawler.hostlog import HostLogBuffer, read_crawl_log, write_host_log
from mirrormanager.crawler.plan import order_urls, parse_shard
from mirrormanager.errors import ConfigError
from mirrormanager.settings import load_settings

URLS = (
    "http://m.example.org/pub",
    "ftp://m.example.org/pub",
    "https://m.example.org/pub",
    "rsync://m.example.org/pub",
)


def test_protocol_preference_and_forcing() -> None:
    assert order_urls(URLS, "auto", repodata_only=False) == (
        "rsync://m.example.org/pub",
        "https://m.example.org/pub",
        "http://m.example.org/pub",
    )
    assert order_urls(URLS, "auto", repodata_only=True)[0] == "https://m.example.org/pub"
    assert order_urls(URLS, "http", repodata_only=False) == ("http://m.example.org/pub",)
    with pytest.raises(ConfigError, match="crawler_protocol"):
        order_urls(URLS, "ftp", repodata_only=False)


def test_shards() -> None:
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/2", "3/2", "x", "1/"):
        with pytest.raises(ConfigError):
            parse_shard(bad)


def test_logs_rotate_and_read_back(tmp_path: Path) -> None:
    settings = dataclasses.replace(load_settings(env={}).settings, log_dir=tmp_path)
    assert read_crawl_log(settings, 7) == ""
    for run in range(4):
        write_host_log(tmp_path, 7, f"run {run}\n", keep=2)
    assert read_crawl_log(settings, 7) == "run 3\n"
    assert read_crawl_log(settings, 7, generation=1) == "run 2\n"
    assert read_crawl_log(settings, 7, generation=2) == "run 1\n"
    assert not (tmp_path / "crawler" / "7.log.3").exists()
    with pytest.raises(ValueError):
        read_crawl_log(settings, "../../etc/passwd")  # type: ignore[arg-type]


def test_log_buffer_levels_and_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = HostLogBuffer(debug=False)
    buffer("DEBUG", "hidden")
    buffer("INFO", "shown")
    assert len(buffer.lines) == 1 and buffer.lines[0].endswith(" - INFO - shown")
    monkeypatch.setattr("mirrormanager.crawler.hostlog.MAX_LINES", 3)
    for index in range(10):
        buffer("INFO", str(index))
    assert len(buffer.lines) == 3 and buffer.text().endswith("8 more lines dropped\n")
