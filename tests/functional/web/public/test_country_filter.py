"""MirrorManager2's ``/mirrors?country=CC``: the filter is applied by the server, in every
format, on the whole list and on product/release/arch pages."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mirrormanager.web.public.views import invalidate_public_cache
from tests.functional.web.public.public_world import PublicWorld, build_world, make_app


@pytest.fixture
def client(db_session: Session) -> Iterator[FlaskClient]:
    world: PublicWorld = build_world(db_session)
    assert world is not None
    app: Flask = make_app(db_session, PUBLIC_CACHE_CHECK_SECONDS=0)
    yield app.test_client()
    invalidate_public_cache()


def _hosts(client: FlaskClient, url: str) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [row["host"] for row in json.loads(answer.get_data())["mirrors"]]


def test_country_filter_on_every_format(client: FlaskClient) -> None:
    assert _hosts(client, "/mirrors.json?country=DE") == ["mirror-de.example.org"]
    assert _hosts(client, "/mirrors.json?country=us") == ["mirror-us.example.org"]
    assert _hosts(client, "/mirrors.json?country=FR") == []
    assert len(_hosts(client, "/mirrors.json?country=")) == 3
    assert _hosts(client, "/mirrors?format=json&country=JP") == ["mirror-jp.example.org"]
    selection = json.loads(client.get("/mirrors.json?country=de").get_data())["selection"]
    assert selection["country"] == "DE"

    text = client.get("/mirrors.txt?country=DE").get_data(as_text=True)
    assert text.startswith("# Public mirrors: all products in DE (1 hosts)")
    assert "mirror-de.example.org" in text and "mirror-us" not in text

    page = client.get("/mirrors?country=DE").get_data(as_text=True)
    assert "mirror-de.example.org" in page and "mirror-us.example.org" not in page
    assert "Only mirrors in Germany" in page
    assert 'href="/mirrors.txt?country=DE"' in page and 'href="/mirrors.json?country=DE"' in page


def test_country_filter_with_product_version_arch(client: FlaskClient) -> None:
    assert _hosts(client, "/mirrors/Fedora/41/x86_64.json") == [
        "mirror-de.example.org",
        "mirror-us.example.org",
    ]
    assert _hosts(client, "/mirrors/Fedora/41/x86_64.json?country=US") == ["mirror-us.example.org"]
    assert _hosts(client, "/mirrors/Fedora.json?country=JP") == []
    page = client.get("/mirrors/Fedora/41?country=DE").get_data(as_text=True)
    assert "mirror-de.example.org" in page and "mirror-us.example.org" not in page
    assert 'href="/mirrors/Fedora/41.json?country=DE"' in page


@pytest.mark.parametrize("bad", ["Germany", "D", "DEU", "1A", "d%C3%A9"])
def test_bad_country_is_a_clear_error(client: FlaskClient, bad: str) -> None:
    answer = client.get(f"/mirrors?country={bad}")
    assert answer.status_code == 400
    assert "two-letter ISO code" in answer.get_data(as_text=True)


def test_rows_carry_country_code_and_name_for_the_page_filter(client: FlaskClient) -> None:
    page = client.get("/mirrors").get_data(as_text=True)
    assert 'data-country="DE" data-country-name="Germany"' in page
    assert 'data-country="US" data-country-name="United States' in page
    assert '<script type="application/json" id="mm-countries">' in page
