"""Issue 15, words and layout: help text under every site and host field, errors tied to
their fields, a skip link, a favicon and the public pages' navigation shown once."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

from mirrormanager.web.forms import HostForm, SiteForm
from tests.functional.web.conftest import World
from tests.functional.web.public.public_world import build_world


def test_every_site_and_host_field_has_help_text(web_app: Flask) -> None:
    with web_app.test_request_context():
        for form in (SiteForm(meta={"csrf": False}), HostForm(meta={"csrf": False})):
            missing = [fld.name for fld in form if not fld.description]
            assert missing == [], f"{type(form).__name__} fields without help: {missing}"


def test_the_words_the_issue_asked_for(web_client, web_world: World) -> None:
    page = web_client(web_world.alice).get(f"/hosts/{web_world.host_a.id}/edit")
    text = page.get_data(as_text=True)
    assert "Max connections to the master" not in text
    assert "metalink client" in text and "crawler uses" in text  # what max_connections limits
    assert "Receives the crawler&#39;s mail" in text or "Receives the crawler's mail" in text
    assert "Public: shown next to the host on the public mirror list." in text


def test_help_and_errors_are_tied_to_their_field(web_client, web_world: World) -> None:
    client = web_client(web_world.alice)
    response = client.post(
        f"/hosts/{web_world.host_a.id}/edit",
        {
            "name": web_world.host_a.name,
            "country": "D1",
            "bandwidth_int": "100",
            "max_connections": "1",
        },
    )
    text = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="country"[^>]*>', text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="country-help country-error"' in field.group(0)
    assert 'id="country-error"' in text and 'id="country-help"' in text


def test_page_frame_has_skip_link_favicon_and_breadcrumbs(web_client, web_world: World) -> None:
    client = web_client(web_world.alice)
    text = client.get(f"/hosts/{web_world.host_a.id}/edit").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in text and '<main id="main"' in text
    assert 'rel="icon"' in text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    icon.close()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', text, re.S)
    assert crumbs is not None
    assert web_world.site_a.name in crumbs.group(0) and web_world.host_a.name in crumbs.group(0)


def test_public_pages_show_their_navigation_once(
    db_session, web_app_factory: Callable[..., Flask]
) -> None:
    build_world(db_session)
    client = web_app_factory().test_client()
    for path in ("/mirrors", "/statistics", "/propagation", "/map"):
        text = client.get(path).get_data(as_text=True)
        assert text.count('href="/statistics"') == 1, path
