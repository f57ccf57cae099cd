"""The crawler's connector registry, typed options and errors that name the thing at fault."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mirrormanager.cli.crawl import crawl_options
from mirrormanager.crawler.http import HttpConnector
from mirrormanager.crawler.model import CrawlError, CrawlOptions, HostPlan
from mirrormanager.crawler.rsync import RsyncConnector
from mirrormanager.crawler.service import CONNECTORS
from mirrormanager.settings import load_settings

HOST = HostPlan(id=1, name="mirror.example.org", site="s", max_connections=2, categories=())


def client(host: HostPlan, options: CrawlOptions) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))


def test_each_scheme_maps_to_its_connector() -> None:
    options = CrawlOptions()
    assert isinstance(CONNECTORS["rsync"](HOST, options, client), RsyncConnector)
    for scheme in ("http", "https"):
        assert isinstance(CONNECTORS[scheme](HOST, options, client), HttpConnector)
    assert CONNECTORS["http"] is CONNECTORS["https"]  # one client serves both schemes


def test_crawl_errors_carry_the_url_and_host() -> None:
    error = CrawlError("https://mirror.example.org:8443/pub/", "HTTP 500")
    assert (error.url, error.host, error.reason) == (
        "https://mirror.example.org:8443/pub/",
        "mirror.example.org",
        "HTTP 500",
    )
    assert CrawlError("http://[bad/", "broken redirect").host == ""


def test_options_come_from_the_settings_table_with_overrides() -> None:
    settings = dataclasses.replace(
        load_settings(env={}).settings, crawler_concurrency=7, crawler_log_keep=2
    )
    options = crawl_options(settings, repodata_only=True, concurrency=None)
    assert (options.concurrency, options.log_keep, options.repodata_only) == (7, 2, True)
    assert options.master_prefix == settings.master_prefix
    with pytest.raises(TypeError, match="concurency"):
        crawl_options(settings, concurency=3)
