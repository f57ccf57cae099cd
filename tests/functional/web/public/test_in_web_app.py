"""The public pages inside the real web application (admin UI app factory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.public.views import invalidate_public_cache
from mirrormanager.web.security import password_fingerprint
from tests.functional.web.public.public_world import build_world


@pytest.fixture
def app(db_session: Session, web_app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    build_world(db_session)
    yield web_app_factory()
    invalidate_public_cache()


def test_registered_with_menu_and_security_headers(app: Flask) -> None:
    client = app.test_client()
    for path in ("/mirrors", "/statistics", "/propagation", "/map"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert 'href="/statistics"' in page and 'href="/map"' in page
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "public, max-age=43200"


def test_logged_in_pages_are_private(app: Flask, db_session: Session) -> None:
    user = m.User(username="pat", email="pat@example.org", password_hash=None)
    db_session.add(user)
    db_session.flush()
    client = app.test_client()
    with client.session_transaction() as session:
        session["uid"] = user.id
        session["pwf"] = password_fingerprint(None)
    response = client.get("/mirrors")
    assert response.status_code == 200
    assert "pat" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    anonymous = app.test_client().get("/mirrors").get_data(as_text=True)
    assert ">pat<" not in anonymous
