"""The one truthful state of a host, as every page, list and the API show it.

A host has four switches (its own and its site's, each set by the mirror admins or by the
admins), a crawler verdict and up-to-date flags per directory. People need one answer:
is it offered, and if not, who took it out and what brings it back. This module decides
that answer from plain facts, so the host page, the site page, "My sites", the admin lists
and the JSON API cannot disagree. It reads no database: the caller passes the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args

# Worst first: a summary of many hosts counts them in this order (STATE_CODES).
StateCode = Literal[
    "disabled_by_admins",
    "disabled_by_crawler",
    "disabled_by_you",
    "never_crawled",
    "failing",
    "stale",
    "enabled",
]
STATE_CODES: tuple[StateCode, ...] = get_args(StateCode)
STALE_PATHS_SHOWN = 5
# How a count of hosts in a state reads ("2 disabled by the crawler") in site summaries.
SUMMARY_LABELS: dict[StateCode, str] = {
    "disabled_by_admins": "disabled by the admins",
    "disabled_by_crawler": "disabled by the crawler",
    "disabled_by_you": "disabled by the site's admins",
    "never_crawled": "never crawled",
    "failing": "crawl failing",
    "stale": "stale",
    "enabled": "enabled",
}


class HostFacts(Protocol):
    """The host columns the state depends on (a `db.models.Host` fits)."""

    admin_active: bool
    user_active: bool
    disable_reason: str | None
    disabled_by_crawler: bool
    crawl_failures: int
    last_crawl_error: str | None
    last_crawled: dt.datetime | None


class SiteFacts(Protocol):
    name: str
    admin_active: bool
    user_active: bool


@dataclass(frozen=True, slots=True)
class StaleCategory:
    """Directories of one carried category the last crawl found out of date."""

    category: str
    stale: int
    total: int
    paths: tuple[str, ...] = ()  # the first few, for the page


@dataclass(frozen=True, slots=True)
class CrawlFacts:
    """What the crawler knows about a host besides its own columns."""

    stale: tuple[StaleCategory, ...] = ()
    # Every carried category is "always up to date": the crawler never visits the host
    # and it is offered without a crawl.
    crawl_exempt: bool = False
    auto_disable: int = 4  # the crawler_auto_disable setting


@dataclass(frozen=True, slots=True)
class HostState:
    code: StateCode
    label: str  # short, for badges and list cells: "disabled by the crawler"
    detail: str  # one or two sentences: why, and what brings it back
    offered: bool  # whether the mirrorlist may hand it to clients
    stale: tuple[StaleCategory, ...] = field(default=())

    @property
    def css(self) -> str:
        return self.code.replace("_", "-")

    def as_dict(self) -> dict[str, object]:
        """The `state` of a host in the JSON API."""
        return {
            "code": self.code,
            "label": self.label,
            "detail": self.detail,
            "offered": self.offered,
            "stale": [
                {"category": s.category, "stale": s.stale, "total": s.total} for s in self.stale
            ],
        }


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def host_state(
    host: HostFacts, site: SiteFacts, crawl: CrawlFacts, *, viewer_is_site_admin: bool = True
) -> HostState:
    """The host's state; `viewer_is_site_admin` words the mirror admins' own switch as
    "by you" for them and "by its site's admins" for everyone else."""
    you = "you" if viewer_is_site_admin else "its site's admins"
    if not site.admin_active:
        return HostState(
            "disabled_by_admins",
            "disabled by the admins: the whole site is disabled",
            f"The admins disabled the site {site.name}; ask them to enable it again.",
            False,
        )
    if not host.admin_active:
        reason = host.disable_reason or "no reason given"
        return HostState(
            "disabled_by_admins",
            f"disabled by the admins: {reason}",
            "Only the admins can enable it again; fix the cause and ask them.",
            False,
        )
    if not host.user_active and host.disabled_by_crawler:
        error = host.last_crawl_error or "no error recorded"
        return HostState(
            "disabled_by_crawler",
            "disabled by the crawler",
            f"After {host.crawl_failures} failed crawls in a row (last error: {error}). "
            "The crawler tries it again on every crawl run and enables it again after a "
            "successful crawl; Check now tries at once.",
            False,
        )
    if not site.user_active:
        return HostState(
            "disabled_by_you",
            f"disabled by {you}: the site is switched off",
            "Tick Active on the site's edit page to offer its hosts again.",
            False,
        )
    if not host.user_active:
        return HostState(
            "disabled_by_you",
            f"disabled by {you}",
            "Tick Active on the host's edit page to offer it again.",
            False,
        )
    if host.last_crawled is None and not crawl.crawl_exempt:
        return HostState(
            "never_crawled",
            "never crawled",
            "Clients get this host only after the crawler has found its directories up to "
            "date: wait for the next crawl run or press Check now.",
            False,
        )
    if host.crawl_failures:
        left = max(crawl.auto_disable - host.crawl_failures, 0)
        return HostState(
            "failing",
            f"crawl failing ({host.crawl_failures} of {crawl.auto_disable})",
            f"The last crawl failed: {host.last_crawl_error or 'no error recorded'}. "
            f"{left} more failed crawl{'s' if left != 1 else ''} and the crawler disables it.",
            True,
            crawl.stale,
        )
    if crawl.stale:
        return HostState(
            "stale",
            "stale",
            f"{_stale_text(crawl.stale)} out of date at the crawl of "
            f"{_when(host.last_crawled)}; clients get this host only for its up-to-date "
            "directories.",
            True,
            crawl.stale,
        )
    return HostState("enabled", "enabled", "Offered to clients.", True)


def _stale_text(stale: Sequence[StaleCategory]) -> str:
    parts = [f"{s.stale} of {s.total} directories of {s.category}" for s in stale]
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class StateCount:
    code: StateCode
    hosts: int

    @property
    def css(self) -> str:
        return self.code.replace("_", "-")

    @property
    def label(self) -> str:
        return f"{self.hosts} {SUMMARY_LABELS[self.code]}"


def summarise(states: Sequence[HostState]) -> list[StateCount]:
    """How many hosts are in each state, worst first, states with no host left out."""
    counts = {code: 0 for code in STATE_CODES}
    for state in states:
        counts[state.code] += 1
    return [StateCount(code, n) for code, n in counts.items() if n]
