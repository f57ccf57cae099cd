"""core.host_state: one state per host, who took it out and what brings it back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from mirrormanager.core.host_state import CrawlFacts, StaleCategory, host_state, summarise

CRAWLED = dt.datetime(2026, 11, 30, 12, 0)


@dataclass
class H:
    admin_active: bool = True
    user_active: bool = True
    disable_reason: str | None = None
    disabled_by_crawler: bool = False
    crawl_failures: int = 0
    last_crawl_error: str | None = None
    last_crawled: dt.datetime | None = CRAWLED


@dataclass
class S:
    name: str = "site.example"
    admin_active: bool = True
    user_active: bool = True


def test_enabled() -> None:
    state = host_state(H(), S(), CrawlFacts())
    assert (state.code, state.label, state.offered) == ("enabled", "enabled", True)


def test_disabled_by_the_admins_shows_their_reason() -> None:
    state = host_state(H(admin_active=False, disable_reason="abuse"), S(), CrawlFacts())
    assert state.code == "disabled_by_admins"
    assert state.label == "disabled by the admins: abuse"
    assert not state.offered


def test_the_admins_switch_wins_over_everything_else() -> None:
    host = H(admin_active=False, user_active=False, disabled_by_crawler=True, crawl_failures=4)
    assert host_state(host, S(), CrawlFacts()).code == "disabled_by_admins"
    assert host_state(H(), S(admin_active=False), CrawlFacts()).code == "disabled_by_admins"


def test_disabled_by_the_crawler_not_by_you() -> None:
    host = H(
        user_active=False,
        disabled_by_crawler=True,
        crawl_failures=4,
        last_crawl_error="connection refused",
    )
    state = host_state(host, S(), CrawlFacts())
    assert state.code == "disabled_by_crawler"
    assert state.label == "disabled by the crawler"
    assert "After 4 failed crawls" in state.detail and "connection refused" in state.detail
    assert "enables it again after a successful crawl" in state.detail


def test_disabled_by_you_is_worded_for_the_viewer() -> None:
    host = H(user_active=False)
    assert host_state(host, S(), CrawlFacts()).label == "disabled by you"
    other = host_state(host, S(), CrawlFacts(), viewer_is_site_admin=False)
    assert other.label == "disabled by its site's admins"
    site_off = host_state(H(), S(user_active=False), CrawlFacts())
    assert site_off.code == "disabled_by_you" and "site" in site_off.label


def test_never_crawled_unless_every_category_is_always_up_to_date() -> None:
    host = H(last_crawled=None)
    assert host_state(host, S(), CrawlFacts()).code == "never_crawled"
    assert not host_state(host, S(), CrawlFacts()).offered
    assert host_state(host, S(), CrawlFacts(crawl_exempt=True)).code == "enabled"


def test_failing_counts_down_to_the_crawlers_verdict() -> None:
    state = host_state(
        H(crawl_failures=3, last_crawl_error="timeout"), S(), CrawlFacts(auto_disable=4)
    )
    assert state.code == "failing" and state.label == "crawl failing (3 of 4)"
    assert "1 more failed crawl and the crawler disables it" in state.detail


def test_stale_names_the_categories_and_the_crawl() -> None:
    stale = (StaleCategory("Fedora Linux", 3, 40, ("updates/41",)),)
    state = host_state(H(), S(), CrawlFacts(stale=stale))
    assert state.code == "stale" and state.offered
    assert "3 of 40 directories of Fedora Linux" in state.detail
    assert "2026-11-30 12:00 UTC" in state.detail
    assert state.as_dict()["stale"] == [{"category": "Fedora Linux", "stale": 3, "total": 40}]


@pytest.mark.parametrize("n", [0, 1, 3])
def test_summary_counts_worst_first(n: int) -> None:
    states = [host_state(H(), S(), CrawlFacts())] * n + [
        host_state(H(admin_active=False), S(), CrawlFacts())
    ]
    summary = summarise(states)
    assert (summary[0].code, summary[0].label) == ("disabled_by_admins", "1 disabled by the admins")
    assert {c.code: c.hosts for c in summary}.get("enabled", 0) == n
