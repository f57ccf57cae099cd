"""The JSON API: public listing, token authentication, the caller's own hosts and URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.security import new_api_token
from tests.functional.web.conftest import World


def _token(db: Session, user: m.User) -> str:
    token, token_hash = new_api_token()
    db.add(m.ApiToken(user_id=user.id, name="test", token_hash=token_hash))
    db.commit()
    return token


@pytest.fixture
def api(web_app: Flask) -> Any:
    return web_app.test_client()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_public_mirror_listing(api: Any, web_world: World, db_session: Session) -> None:
    web_world.host_b.private = True
    db_session.commit()
    data = api.get("/api/v1/mirrors").get_json()
    names = [h["name"] for h in data["mirrors"]]
    assert names == ["mirror.site-a.example.org"]
    assert data["mirrors"][0]["categories"][0]["urls"] == ["https://mirror.site-a.example.org/epel"]
    assert "netblocks" not in data["mirrors"][0] and "admin_active" not in data["mirrors"][0]
    assert api.get("/api/v1/mirrors?country=fr").get_json()["mirrors"] == []
    assert api.get("/api/v1/mirrors?page=x").status_code == 400
    for bad in ("DEU", "1x", "D%C3%A9"):
        r = api.get(f"/api/v1/mirrors?country={bad}")
        assert r.status_code == 400 and "two-letter" in r.get_json()["detail"]
    # A NUL byte never reaches SQL (PostgreSQL refuses it in a text parameter): a clear 400.
    assert api.get("/api/v1/mirrors?country=D%00").status_code == 400


def test_openapi_document(api: Any) -> None:
    doc = api.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {
        "/mirrors",
        "/hosts",
        "/hosts/{host_id}",
        "/sites/{site_id}/hosts",
        "/hosts/{host_id}/urls",
        "/urls/{url_id}",
    } <= set(doc["paths"])


def test_token_from_the_ui_manages_own_hosts(
    web_client: Callable[..., Any], api: Any, web_world: World, db_session: Session
) -> None:
    page = web_client(web_world.alice).post("/account/tokens", {"token-name": "ansible"})
    token = re.search(r"(mmt_[A-Za-z0-9_-]+)", page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    stored = db_session.scalars(select(m.ApiToken)).one()
    assert stored.token_hash != token and token not in stored.token_hash
    hosts = api.get("/api/v1/hosts", headers=_auth(token)).get_json()["hosts"]
    assert [h["name"] for h in hosts] == ["mirror.site-a.example.org"]
    r = api.post(
        f"/api/v1/sites/{web_world.site_a.id}/hosts",
        headers=_auth(token),
        json={"name": "api.site-a.example.org", "country": "de", "bandwidth_int": 500},
    )
    assert r.status_code == 201, r.get_json()
    host_id = r.get_json()["id"]
    r = api.patch(f"/api/v1/hosts/{host_id}", headers=_auth(token), json={"comment": "via API"})
    assert r.status_code == 200 and r.get_json()["comment"] == "via API"
    assert r.get_json()["bandwidth_int"] == 500
    r = api.post(
        f"/api/v1/hosts/{host_id}/urls",
        headers=_auth(token),
        json={"category": "Fedora EPEL", "url": "https://api.site-a.example.org/epel"},
    )
    assert r.status_code == 201
    url_id = r.get_json()["id"]
    r = api.post(
        f"/api/v1/hosts/{host_id}/urls",
        headers=_auth(token),
        json={"category": "Fedora EPEL", "url": "https://api.site-a.example.org/x"},
    )
    assert r.status_code == 422 and "epel" in r.get_json()["error"]
    assert api.delete(f"/api/v1/urls/{url_id}", headers=_auth(token)).status_code == 204
    r = api.patch(f"/api/v1/hosts/{host_id}", headers=_auth(token), json={"admin_active": False})
    assert r.status_code == 403
    r = api.patch(f"/api/v1/hosts/{host_id}", headers=_auth(token), json={"country": "Germany"})
    assert r.status_code == 422 and "country" in r.get_json()["fields"]
    r = api.patch(f"/api/v1/hosts/{host_id}", headers=_auth(token), json={"bogus": 1})
    assert r.status_code == 400


def test_token_cannot_touch_other_sites(api: Any, web_world: World, db_session: Session) -> None:
    token = _token(db_session, web_world.bob)
    before = db_session.get(m.Host, web_world.host_a.id).name  # type: ignore[union-attr]
    assert api.get(f"/api/v1/hosts/{web_world.host_a.id}", headers=_auth(token)).status_code == 404
    r = api.patch(
        f"/api/v1/hosts/{web_world.host_a.id}",
        headers=_auth(token),
        json={"name": "stolen.example.org"},
    )
    assert r.status_code == 404
    r = api.post(
        f"/api/v1/sites/{web_world.site_a.id}/hosts",
        headers=_auth(token),
        json={"name": "x.example.org", "country": "DE"},
    )
    assert r.status_code == 404
    r = api.post(
        f"/api/v1/hosts/{web_world.host_a.id}/urls",
        headers=_auth(token),
        json={"category": "Fedora EPEL", "url": "https://evil.example.org/epel"},
    )
    assert r.status_code == 404
    assert api.delete(f"/api/v1/urls/{web_world.url_a.id}", headers=_auth(token)).status_code == 404
    db_session.expire_all()
    assert db_session.get(m.Host, web_world.host_a.id).name == before  # type: ignore[union-attr]
    assert db_session.get(m.HostCategoryUrl, web_world.url_a.id) is not None


def test_api_needs_a_valid_token(
    api: Any, web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    assert api.get("/api/v1/hosts").status_code == 401
    assert api.get("/api/v1/hosts", headers=_auth("mmt_nope")).status_code == 401
    token = _token(db_session, web_world.alice)
    row = db_session.scalars(select(m.ApiToken)).one()
    client = web_client(web_world.alice)
    assert client.get(f"/account/tokens/{row.id}/revoke").status_code == 200
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert api.get("/api/v1/hosts", headers=_auth(token)).status_code == 401
    # A logged-in browser session is not an API credential (the API has no CSRF).
    assert client.get("/api/v1/hosts").status_code == 401
    # Someone else's token id cannot be revoked.
    assert web_client(web_world.bob).post(f"/account/tokens/{row.id}/revoke").status_code == 404


def test_integrity_race_answers_409(
    web_app: Flask, web_world: World, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A duplicate that slips past the checks (a concurrent insert) is a 409, not a 500."""
    from mirrormanager.manage import carried

    token = _token(db_session, web_world.alice)
    monkeypatch.setattr(carried, "url_problem", lambda cat, url: None)
    monkeypatch.setattr(carried, "select", _no_duplicate_select(carried.select))
    r = web_app.test_client().post(
        f"/api/v1/hosts/{web_world.host_a.id}/urls",
        headers=_auth(token),
        json={"category": "Fedora EPEL", "url": "https://mirror.site-b.example.org/epel"},
    )
    assert r.status_code == 409 and r.get_json()["error"] == "Conflict"


def _no_duplicate_select(real: Any) -> Any:
    def fake(*args: Any) -> Any:
        stmt = real(*args)
        if args and args[0] is m.HostCategoryUrl.id:
            return stmt.where(m.HostCategoryUrl.id < 0)  # pretend the URL is still free
        return stmt

    return fake


def test_nul_bytes_are_a_clear_400_everywhere(
    api: Any, web_world: World, db_session: Session
) -> None:
    """No text column takes a NUL (PostgreSQL errors): refused before any query runs."""
    assert api.get("/api/mirroradmins?name=a%00b").status_code == 400
    assert api.get("/mirrors?country=D%00").status_code == 400
    assert api.get("/login?next=/%00").status_code == 200  # `next` just falls back
    r = api.post("/login", data={"username": "a\x00", "password": "x"})
    assert r.status_code == 400
    r = api.post(
        "/api/v1/sites",
        data='{"name": "a\\u0000b"}',
        content_type="application/json",
        headers=_auth(_token(db_session, web_world.admin)),
    )
    assert r.status_code == 400 and "NUL" in r.get_data(as_text=True)
