"""Hostile input to the web app: login guessing, API token guessing, deep JSON, `next=`.

Passwords are checked with argon2 (slow on purpose); a throttled attempt must be refused
before any hash is computed, which the tests observe by counting calls of the verifier.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.views import auth as auth_views
from tests.functional.web.conftest import PASSWORD, WebClient, World

THROTTLE = {
    "auth_throttle_failures": 3,
    "auth_throttle_base_seconds": 60.0,
    "auth_throttle_max_seconds": 600.0,
}


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password verification the login view makes."""
    calls: list[str] = []
    real = auth_views.verify_password

    def counting(stored: str | None, offered: str) -> bool:
        calls.append(offered)
        return real(stored, offered)

    monkeypatch.setattr(auth_views, "verify_password", counting)
    return calls


def _login(client: WebClient, username: str, password: str, **kw: Any) -> Any:
    return client.post("/login", {"username": username, "password": password}, **kw)


def test_login_backs_off_per_account_before_hashing(
    web_app_factory: Callable[..., Flask],
    web_world: World,
    db_session: Session,
    hashes: list[str],
) -> None:
    client = WebClient(web_app_factory(**THROTTLE).test_client())
    for _ in range(3):
        r = _login(client, "alice", "wrong password")
        assert r.status_code == 200 and "Wrong user name or password" in r.get_data(True)
    assert len(hashes) == 3
    # Locked: even the right password is refused, without hashing, with a retry time.
    r = _login(client, "alice", PASSWORD)
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= 60  # the lock: 60 s from the last failure
    assert f"try again in {r.headers['Retry-After']} s" in r.get_data(True)
    assert len(hashes) == 3
    lockouts = db_session.scalars(
        select(m.AuditLog.summary).where(m.AuditLog.action == "lockout")
    ).all()
    assert any("'alice'" in s and "3 failed attempts" in s for s in lockouts)
    # Another account from another address is not affected.
    other = WebClient(web_app_factory(**THROTTLE).test_client())
    r = _login(other, "bob", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert r.status_code == 302


def test_login_backs_off_per_client_address(
    web_app_factory: Callable[..., Flask], web_world: World, hashes: list[str]
) -> None:
    client = WebClient(web_app_factory(**THROTTLE).test_client())
    addr = {"environ_base": {"REMOTE_ADDR": "198.51.100.4"}}
    for name in ("nobody1", "nobody2", "nobody3"):
        assert _login(client, name, "guess", **addr).status_code == 200
    r = _login(client, "bob", PASSWORD, **addr)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert len(hashes) == 3
    # A forged X-Forwarded-For from an untrusted peer changes nothing.
    forged = {**addr, "headers": {"X-Forwarded-For": "203.0.113.1"}}
    assert _login(client, "bob", PASSWORD, **forged).status_code == 429


def test_successful_login_resets_the_account(
    web_app_factory: Callable[..., Flask], web_world: World, db_session: Session
) -> None:
    client = WebClient(web_app_factory(**THROTTLE).test_client())
    for _ in range(2):
        _login(client, "alice", "wrong password")
    assert _login(client, "alice", PASSWORD).status_code == 302
    count = db_session.scalar(
        select(func.count())
        .select_from(m.AuthThrottle)
        .where(m.AuthThrottle.scope == "login-user", m.AuthThrottle.key == "alice")
    )
    assert count == 0


@pytest.mark.parametrize("target", ["/sites/\r\nSet-Cookie: x=1", "/sites/\n", "/a\x00b", "/\x7f"])
def test_login_next_with_control_characters_is_ignored(
    web_client: Callable[..., WebClient], web_world: World, target: str
) -> None:
    client = web_client(None)
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    r = client.post("/login", {"username": "alice", "password": PASSWORD, "next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/sites/"


def test_api_token_guessing_is_throttled(
    web_app_factory: Callable[..., Flask], web_world: World, db_session: Session
) -> None:
    api = web_app_factory(**THROTTLE).test_client()
    bad = {"Authorization": "Bearer mmt_guess"}
    for _ in range(3):
        assert api.get("/api/v1/hosts", headers=bad).status_code == 401
    r = api.get("/api/v1/hosts", headers=bad)
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert f"try again in {r.headers['Retry-After']} s" in r.get_json()["detail"]
    assert db_session.scalar(
        select(func.count()).select_from(m.AuditLog).where(m.AuditLog.object_type == "token-addr")
    )


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000])
def test_deep_json_to_the_api_is_a_clear_400(
    web_app: Flask, web_world: World, db_session: Session, body: bytes
) -> None:
    from mirrormanager.web.security import new_api_token

    token, token_hash = new_api_token()
    db_session.add(m.ApiToken(user_id=web_world.alice.id, name="t", token_hash=token_hash))
    db_session.commit()
    r = web_app.test_client().post(
        f"/api/v1/sites/{web_world.site_a.id}/hosts",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert "nested more than" in r.get_json()["detail"]


def test_check_ins_on_the_web_app_back_off_too(
    web_app_factory: Callable[..., Flask], web_world: World, db_session: Session
) -> None:
    import base64
    import bz2
    import json
    import xmlrpc.client

    from mirrormanager.checkin.passwords import hash_site_password

    web_world.site_a.password = hash_site_password("s3cret")
    db_session.commit()
    document = {
        "version": 0,
        "site": {"name": "site-a.example.org", "password": "guess"},
        "host": {"name": "mirror.site-a.example.org"},
        "Fedora EPEL": {"dirtree": {"": {}}},
    }
    data = base64.urlsafe_b64encode(bz2.compress(json.dumps(document).encode())).decode()
    call = xmlrpc.client.dumps((data,), "checkin").encode()
    client = web_app_factory(**THROTTLE).test_client()
    codes = []
    for _ in range(4):
        answer = client.post("/xmlrpc", data=call, content_type="text/xml")
        try:
            xmlrpc.client.loads(answer.get_data())
        except xmlrpc.client.Fault as fault:
            codes.append(fault.faultCode)
    assert codes == [403, 403, 403, 429]
    assert 0 < int(answer.headers["Retry-After"]) <= 60
