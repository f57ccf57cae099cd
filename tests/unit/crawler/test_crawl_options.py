"""`mirrormanager crawl` builds its CrawlOptions from the settings table."""

from __future__ import annotations

from pathlib import Path

from mirrormanager.cli.crawl import crawl_options
from mirrormanager.settings import load_settings


def test_log_keep_and_reachability_come_from_the_settings(tmp_path: Path) -> None:
    env = {
        "MM_LOG_DIR": str(tmp_path),
        "MM_CRAWLER_LOG_KEEP": "2",
        "MM_CRAWLER_PROBE_REACHABILITY": "false",
    }
    options = crawl_options(load_settings(env=env).settings)
    assert (options.log_dir, options.log_keep, options.probe_reachability) == (tmp_path, 2, False)
    defaults = crawl_options(load_settings(env={}).settings)
    assert (defaults.log_keep, defaults.probe_reachability) == (5, True)


def test_command_line_overrides_beat_the_settings() -> None:
    settings = load_settings(env={"MM_CRAWLER_CONCURRENCY": "3"}).settings
    assert crawl_options(settings).concurrency == 3
    assert crawl_options(settings, concurrency=9, probe_reachability=False).concurrency == 9
    assert crawl_options(settings, concurrency=None).concurrency == 3  # option not given
