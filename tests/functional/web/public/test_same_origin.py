"""No public page loads anything from outside its own origin: no CDN, no tile server.

Every resource a page references (script src, stylesheet and icon hrefs, img/iframe/source
src, url(...) in CSS, fetch targets in data attributes) must be relative or on the page's
own host; stylesheets are followed one level to check their url(...) references too.
Links a visitor may click (<a href>, e.g. to a mirror) are navigation, not requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mirrormanager.web.public.views import invalidate_public_cache
from tests.functional.web.public.public_world import build_world, make_app

ORIGIN = "http://localhost"
PAGES = [
    "/mirrors",
    "/mirrors/Fedora/41/x86_64",
    "/statistics",
    "/statistics?day=2026-11-27",
    "/propagation",
    "/map",
    "/map.svg",
]
RESOURCE_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "form": ("action",),
    "image": ("href",),  # SVG
    "use": ("href",),
}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]")


class Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for attr in RESOURCE_ATTRS.get(tag, ()):
            if values.get(attr):
                self.urls.extend(u.split()[0] for u in values[attr].split(","))
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"])
        for key, value in values.items():
            if key.startswith("data-") and value.startswith(("/", "http:", "https:")):
                self.urls.append(value)  # fetched by our scripts (map data)
            if key == "style":
                self.inline_css.append(value)
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_css.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def same_origin(url: str, base: str) -> bool:
    if url.startswith("data:"):
        return True
    parts = urlsplit(urljoin(base, url))
    return f"{parts.scheme}://{parts.netloc}" == ORIGIN


def css_urls(text: str) -> Iterator[str]:
    for match in CSS_URL.finditer(text):
        yield match.group(1) or match.group(2)


def fetch(client: FlaskClient, path: str) -> tuple[int, str]:
    """Status and text; the response is closed (static files are open file handles)."""
    with client.get(path) as response:
        return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def client(db_session: Session) -> Iterator[FlaskClient]:
    build_world(db_session)
    app: Flask = make_app(db_session)
    yield app.test_client()
    invalidate_public_cache()


@pytest.mark.parametrize("path", PAGES)
def test_page_requests_only_its_own_origin(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    parser = Resources()
    parser.feed(response.get_data(as_text=True))
    base = ORIGIN + path
    urls = parser.urls + [u for css in parser.inline_css for u in css_urls(css)]
    offenders = [u for u in urls if not same_origin(u, base)]
    assert not offenders, f"{path} loads from outside: {offenders}"
    for url in parser.urls:
        target = urljoin(base, url)
        if not target.endswith(".css"):
            continue
        status, text = fetch(client, urlsplit(target).path)
        assert status == 200, target
        outside = [u for u in css_urls(text) if not same_origin(u, target)]
        assert not outside, f"{target} loads from outside: {outside}"


def test_every_referenced_resource_exists(client: FlaskClient) -> None:
    for path in PAGES:
        parser = Resources()
        parser.feed(client.get(path).get_data(as_text=True))
        for url in parser.urls:
            target = urlsplit(urljoin(ORIGIN + path, url))
            if url.startswith("data:") or target.path == urlsplit(ORIGIN + path).path:
                continue
            query = "?" + target.query if target.query else ""
            assert fetch(client, target.path + query)[0] == 200, url


def test_vendored_scripts_load_nothing_from_outside(client: FlaskClient) -> None:
    """The JS we serve fetches only what the page hands it; no hard-coded outside URL
    is used as a resource (Chart.js and Leaflet only mention their home pages in text)."""
    for name in ("mirrors.js", "charts.js", "map.js"):
        text = fetch(client, f"/public-static/{name}")[1]
        assert "http://" not in text and "https://" not in text, name
