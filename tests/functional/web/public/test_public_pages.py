"""The public pages through Flask's test client: content, formats, caching headers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.public.views import invalidate_public_cache
from tests.functional.web.public.public_world import PublicWorld, build_world, make_app


@pytest.fixture
def world(db_session: Session) -> PublicWorld:
    return build_world(db_session)


@pytest.fixture
def public_app(db_session: Session, world: PublicWorld) -> Iterator[Flask]:
    app = make_app(db_session, PUBLIC_CACHE_CHECK_SECONDS=0)
    yield app
    invalidate_public_cache()


@pytest.fixture
def client(public_app: Flask) -> FlaskClient:
    return public_app.test_client()


def test_all_mirrors_grouped_by_continent(client: FlaskClient) -> None:
    response = client.get("/mirrors")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("mirror-de.example.org", "mirror-us.example.org", "mirror-jp.example.org"):
        assert name in page
    for hidden in ("private-host", "private-site", "disabled-host", "disabled-site", "10.0.0.1"):
        assert hidden not in page
    assert page.index(">Asia <") < page.index(">Europe <") < page.index(">North America <")
    assert "Frankfurt" in page and "10,000" in page


def test_caching_headers_and_conditional_get(client: FlaskClient) -> None:
    first = client.get("/mirrors")
    assert first.headers["Cache-Control"] == "public, max-age=43200"
    etag = first.headers["ETag"]
    again = client.get("/mirrors", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_release_arch_page_marks_current_and_stale(client: FlaskClient) -> None:
    data = client.get("/mirrors/Fedora/41/x86_64.json").get_json()
    assert data["selection"] == {"product": "Fedora", "version": "41", "arch": "x86_64"}
    status = {row["host"]: row["status"] for row in data["mirrors"]}
    assert status == {"mirror-de.example.org": "current", "mirror-us.example.org": "stale"}
    de = next(r for r in data["mirrors"] if r["host"] == "mirror-de.example.org")
    assert de["urls"] == {
        "https": ["https://mirror-de.example.org/fedora/linux"],
        "rsync": ["rsync://mirror-de.example.org/fedora"],
    }
    assert de["continent"] == "EU" and de["bandwidth"] == 10_000


def test_arch_without_copies_lists_only_carriers(client: FlaskClient) -> None:
    data = client.get("/mirrors/Fedora/41/aarch64?format=json").get_json()
    assert [row["host"] for row in data["mirrors"]] == ["mirror-de.example.org"]
    epel = client.get("/mirrors/EPEL.json").get_json()
    assert [row["host"] for row in epel["mirrors"]] == ["mirror-jp.example.org"]


def test_plain_text(client: FlaskClient) -> None:
    response = client.get("/mirrors/Fedora/41/x86_64.txt")
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == (
        "# Public mirrors: Fedora 41 x86_64 (2 hosts)\n"
        "\n## Europe\n"
        "\n### DE\n"
        "mirror-de.example.org  site=mirror-de site  bandwidth=10000Mbit/s  status=current"
        "  # Frankfurt\n"
        "  https://mirror-de.example.org/fedora/linux\n"
        "  rsync://mirror-de.example.org/fedora\n"
        "\n## North America\n"
        "\n### US\n"
        "mirror-us.example.org  site=mirror-us site  bandwidth=20000Mbit/s  status=stale\n"
        "  https://mirror-us.example.org/pub/fedora/linux\n"
        "  http://mirror-us.example.org/pub/fedora/linux\n"
    )


def test_selection_links_and_errors(client: FlaskClient) -> None:
    page = client.get("/mirrors").get_data(as_text=True)
    assert 'href="/mirrors/Fedora/41/x86_64"' in page
    assert 'href="/mirrors/EPEL/9"' in page
    assert client.get("/mirrors/Debian").status_code == 404
    assert client.get("/mirrors?format=xml").status_code == 400
    assert client.get("/mirrors/a/b/c/d").status_code == 404


def _set_comment(session: Session, host_id: int, text: str) -> None:
    # The app's request teardown closed the session: change the row, not a stale object.
    session.execute(update(m.Host).where(m.Host.id == host_id).values(comment=text))
    session.flush()


def test_admin_change_shows_after_invalidation(
    client: FlaskClient, db_session: Session, world: PublicWorld, public_app: Flask
) -> None:
    public_app.extensions["mm_public_cache"].check_seconds = 3600
    assert "Frankfurt" in client.get("/mirrors.txt").get_data(as_text=True)
    _set_comment(db_session, world.de.id, "Moved to Berlin")
    assert "Frankfurt" in client.get("/mirrors.txt").get_data(as_text=True)  # cached
    invalidate_public_cache()
    assert "Moved to Berlin" in client.get("/mirrors.txt").get_data(as_text=True)


def test_a_finished_job_changes_the_data_version(
    client: FlaskClient, db_session: Session, world: PublicWorld
) -> None:
    client.get("/mirrors.txt")
    _set_comment(db_session, world.de.id, "After the crawl")
    db_session.add(m.JobRun(job="crawl", status="ok", finished_at=dt.datetime.now(dt.UTC)))
    db_session.flush()
    assert "After the crawl" in client.get("/mirrors.txt").get_data(as_text=True)


def test_pages_of_logged_in_users_are_not_shared(public_app: Flask) -> None:
    @public_app.before_request
    def log_in() -> None:
        g.user = object()

    response = public_app.test_client().get("/mirrors")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert (
        public_app.test_client().get("/mirrors.json").headers["Cache-Control"].startswith("public")
    )


def test_statistics_page_and_numbers(client: FlaskClient) -> None:
    page = client.get("/statistics?start=2026-11-26&end=2026-11-27")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="chart-per-day"' in html and "chart.umd.min.js" in html
    data = client.get("/statistics.json?start=2026-11-26&end=2026-11-27").get_json()
    assert data["total_requests"] == 8
    assert data["per_day"] == [
        {"date": "2026-11-26", "requests": 1},
        {"date": "2026-11-27", "requests": 7},
    ]
    assert data["countries"][:2] == [
        {"country": "DE", "requests": 3},
        {"country": "FR", "requests": 2},
    ]
    assert {"country": "unknown", "requests": 1} in data["countries"]
    assert data["arches"] == [
        {"arch": "x86_64", "requests": 7},
        {"arch": "aarch64", "requests": 1},
    ]
    assert data["releases"][0] == {"release": "Fedora 41", "requests": 4}
    day = client.get("/statistics.json?day=2026-11-26").get_json()
    assert day["total_requests"] == 1 and day["start"] == day["end"] == "2026-11-26"


def test_statistics_defaults_to_the_latest_data_and_csv(client: FlaskClient) -> None:
    data = client.get("/statistics?format=json").get_json()
    assert data["end"] == "2026-11-27" and data["total_requests"] == 8
    text = client.get("/statistics.csv?start=2026-11-26&end=2026-11-27").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["kind", "key", "requests"]
    assert ["day", "2026-11-27", "7"] in rows and ["arch", "aarch64", "1"] in rows
    assert client.get("/statistics?start=yesterday").status_code == 400


def test_propagation(client: FlaskClient, world: PublicWorld) -> None:
    html = client.get("/propagation").get_data(as_text=True)
    assert 'id="chart-propagation"' in html
    assert html.index("mirror-us.example.org") < html.index("mirror-de.example.org")  # slowest
    data = client.get(f"/propagation.json?repo={world.fedora41_x86.id}&days=2").get_json()
    assert data["repository"] == world.fedora41_x86.id
    assert [(p["current"], p["one_behind"], p["failed"]) for p in data["history"]] == [
        (1, 1, 0),
        (2, 0, 0),
        (1, 0, 1),
    ]
    assert [s["host"] for s in data["slowest"]] == [
        "mirror-us.example.org",
        "mirror-de.example.org",
    ]


def test_map_page_points_and_svg(client: FlaskClient) -> None:
    html = client.get("/map").get_data(as_text=True)
    assert 'id="mm-map"' in html and "leaflet.js" in html
    points = {p["host"]: p for p in client.get("/map.json").get_json()["mirrors"]}
    de = points["mirror-de.example.org"]
    assert (de["latitude"], de["longitude"], de["exact"]) == (50.11, 8.68, True)
    us = points["mirror-us.example.org"]
    assert not us["exact"] and 25 < us["latitude"] < 50 and -125 < us["longitude"] < -65
    svg = client.get("/map.svg")
    assert svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data())
    circles = root.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 3 + 3  # mirrors + legend


def test_json_answers_parse(client: FlaskClient) -> None:
    for url in ("/mirrors.json", "/statistics.json", "/propagation.json", "/map.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        json.loads(response.get_data(as_text=True))
