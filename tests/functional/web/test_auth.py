"""Accounts: password reset and sign-up by e-mailed links, and OpenID Connect login against
a stub provider running on localhost (no internet)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mirrormanager.db import models as m
from mirrormanager.web.views import auth as auth_views
from tests.functional.web.conftest import PASSWORD, WebClient, World


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


# --- OpenID Connect against a stub provider -------------------------------------------------
_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # once: RSA generation is slow


class StubProvider:
    """Discovery, token and JWKS endpoints of an OIDC provider, on 127.0.0.1."""

    def __init__(self) -> None:
        self.key = _KEY
        self.claims: dict[str, Any] = {}
        self.nonce = ""
        self.server = make_server("127.0.0.1", 0, self.app)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    @Request.application  # type: ignore[arg-type]
    def app(self, request: Request) -> Response:
        if request.path == "/.well-known/openid-configuration":
            return self._json(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "jwks_uri": f"{self.url}/jwks",
                    "userinfo_endpoint": f"{self.url}/userinfo",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )
        if request.path == "/jwks":
            return self._json({"keys": [self.key.as_dict(private=False)]})
        if request.path == "/token":
            now = int(time.time())
            claims = {
                "iss": self.url,
                "aud": "mm-client",
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce,
                **self.claims,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return self._json(
                {
                    "access_token": "at",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": id_token,
                }
            )
        if request.path == "/userinfo":
            return self._json(self.claims)
        return Response("not found", status=404)

    @staticmethod
    def _json(data: dict[str, Any]) -> Response:
        return Response(json.dumps(data), mimetype="application/json")


@pytest.fixture
def provider() -> Iterator[StubProvider]:
    stub = StubProvider()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    yield stub
    stub.server.shutdown()
    thread.join(5)


def _oidc_login(client: WebClient, provider: StubProvider, claims: dict[str, Any]) -> Any:
    provider.claims = claims
    r = client.get("/login/oidc?next=/sites/")
    assert r.status_code == 302
    query = parse_qs(urlsplit(r.headers["Location"]).query)
    assert r.headers["Location"].startswith(provider.url + "/authorize")
    provider.nonce = query["nonce"][0]
    return client.get(f"/login/oidc/callback?code=abc&state={query['state'][0]}")


def test_oidc_login_maps_groups(
    web_app_factory: Callable[..., Any],
    web_world: World,
    provider: StubProvider,
    db_session: Session,
) -> None:
    app = web_app_factory(
        oidc_issuer=provider.url, oidc_client_id="mm-client", oidc_client_secret="s3cret"
    )
    client = WebClient(app.test_client())
    assert "Log in with" in client.get("/login").get_data(as_text=True)
    r = _oidc_login(
        client,
        provider,
        {
            "sub": "u-1",
            "preferred_username": "dave",
            "email": "dave@example.org",
            "groups": ["sysadmin-web", "packager"],
        },
    )
    assert r.status_code == 302 and r.headers["Location"] == "/sites/"
    assert client.get("/admin/").status_code == 200  # the provider's group made an admin
    user = db_session.scalars(select(m.User).where(m.User.username == "dave")).one()
    assert user.password_hash is None
    # Next login without the group: no longer an admin.
    client2 = WebClient(app.test_client())
    r = _oidc_login(client2, provider, {"sub": "u-1", "preferred_username": "dave", "groups": []})
    assert r.status_code == 302
    assert client2.get("/admin/").status_code == 403


def test_oidc_bad_state_fails_cleanly(
    web_app_factory: Callable[..., Any], web_world: World, provider: StubProvider
) -> None:
    app = web_app_factory(oidc_issuer=provider.url, oidc_client_id="mm-client")
    client = WebClient(app.test_client())
    r = client.get("/login/oidc/callback?code=abc&state=forged", follow_redirects=True)
    assert "Login with the identity provider failed" in r.get_data(as_text=True)
    assert client.get("/sites/").status_code == 302
    assert PASSWORD  # local accounts still work alongside OIDC
