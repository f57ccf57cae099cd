"""The mirror list's filter box in headless Chromium: a country code or name matches that
country exactly (not substrings of host names or URLs); other text still matches anywhere.
Skipped without playwright or Chromium, as the other browser tests."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from tests.browser.public.test_public_browser import (
    _check,
    browser,
    page,
    server,
    shots,
)

__all__ = ["browser", "page", "server", "shots"]  # fixtures used by name


def _shown(page: Any, text: str) -> list[str]:
    page.fill("#mm-filter", text)
    rows = page.locator("tbody tr:not(.mm-hidden)")
    return sorted(str(rows.nth(i).get_attribute("data-country")) for i in range(rows.count()))


def test_filter_matches_countries_exactly(page: Any, server: str) -> None:
    page.goto(server + "/mirrors")
    assert _shown(page, "de") == ["DE"]
    assert _shown(page, "Germany") == ["DE"]
    assert _shown(page, "  united   STATES of america ") == ["US"]
    # "in" is India: no mirror there, although "linux" is in two hosts' URLs.
    assert _shown(page, "in") == []
    assert page.text_content("#mm-count") == "0 of 3 mirrors"
    # Text that names no country still matches anywhere in the row.
    assert len(_shown(page, "linux")) == 2
    assert _shown(page, "frankfurt") == ["DE"]
    page.fill("#mm-filter", "")
    _check(page, server, "mirrors-country-filter")
