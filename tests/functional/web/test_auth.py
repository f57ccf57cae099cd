"""Accounts: password reset and sign-up by e-mailed links (OpenID Connect login is in
`test_oidc_provider.py`, against a real provider on loopback)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.views import auth as auth_views
from tests.functional.web.conftest import WebClient, World


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    sent: list[dict[str, str]] = []

    def fake_send(_settings: Any, to: str, subject: str, body: str) -> None:
        sent.append({"to": to, "subject": subject, "body": body})

    monkeypatch.setattr(auth_views, "send_mail", fake_send)
    return sent


def _link(mail: dict[str, str]) -> str:
    match = re.search(r"http://localhost(/\S+)", mail["body"])
    assert match, mail["body"]
    return match.group(1)


def test_password_reset_by_mail(
    web_client: Callable[..., Any], web_world: World, outbox: list[dict[str, str]]
) -> None:
    client = web_client(None)
    r = client.post("/reset", {"email": "nobody@example.org"})
    assert r.status_code == 302 and outbox == []
    r = client.post("/reset", {"email": "alice@example.org"})
    assert r.status_code == 302 and len(outbox) == 1
    link = _link(outbox[0])
    assert client.get(link).status_code == 200
    r = client.post(link, {"password": "brand new password", "confirm": "brand new password"})
    assert r.status_code == 302
    r = client.post("/login", {"username": "alice", "password": "brand new password"})
    assert r.headers["Location"] == "/sites/"
    # The link works once: the password it was made for has changed.
    assert client.get(link).headers["Location"].endswith("/reset")
    assert client.get("/reset/garbage").status_code == 302


def test_signup_with_email_confirmation(
    web_app_factory: Callable[..., Any],
    web_world: World,
    outbox: list[dict[str, str]],
    db_session: Session,
) -> None:
    assert WebClient(web_app_factory().test_client()).get("/signup").status_code == 404
    client = WebClient(web_app_factory(web_signup=True).test_client())
    form = {
        "username": "carol",
        "email": "carol@example.org",
        "password": "long enough pw",
        "confirm": "long enough pw",
    }
    assert client.post("/signup", form).status_code == 302
    r = client.post("/signup", {**form, "username": "carol2"})
    assert "exists already" in r.get_data(as_text=True)
    r = client.post("/login", {"username": "carol", "password": "long enough pw"})
    assert "confirm your e-mail" in r.get_data(as_text=True)
    assert client.get(_link(outbox[0])).status_code == 302
    r = client.post("/login", {"username": "carol", "password": "long enough pw"})
    assert r.status_code == 302
    user = db_session.scalars(select(m.User).where(m.User.username == "carol")).one()
    assert user.email_confirmed and user.password_hash.startswith("$argon2")  # type: ignore[union-attr]
