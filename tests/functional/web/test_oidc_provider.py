"""OpenID Connect login against a standards-following provider on loopback.

The provider is `oidc-provider-mock`: real discovery document, real authorization and token
endpoints, ID tokens signed with its own key and published in its JWKS. Our app only knows
the issuer URL, exactly as in production (Fedora's Ipsilon/FAS). A WSGI wrapper around the
provider can swap the ID token of one token response, to prove that a tampered token and a
genuinely signed token for another client (wrong audience) are refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from mirrormanager.db import models as m
from tests.functional.web.conftest import ADMIN_GROUP, WebClient, World

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
# The provider (a test dependency) calls an Authlib hook that Authlib marks deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")

CLIENT_ID = "mirrormanager"
Swap = Callable[[str], str]


@dataclass
class Provider:
    """A running provider, and a hook that rewrites the next token response's ID token."""

    url: str
    swap_id_token: list[Swap] = field(default_factory=list)

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        r = httpx.put(f"{self.url}/users/{sub}", json=claims)
        assert r.status_code in (200, 204), r.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Play the user at the provider's consent form; return where it sends the browser."""
        r = httpx.post(authorize_url, data={"sub": sub})
        assert r.status_code == 302, r.text
        return r.headers["Location"]

    def id_token_for(self, client_id: str, nonce: str, sub: str) -> str:
        """A genuine ID token, signed by this provider, issued to another client."""
        redirect_uri = "http://localhost/elsewhere"
        query = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid",
            "nonce": nonce,
            "state": "x",
        }
        location = self.authorize(f"{self.url}/oauth2/authorize?{urlencode(query)}", sub)
        code = parse_qs(urlsplit(location).query)["code"][0]
        r = httpx.post(
            f"{self.url}/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            auth=(client_id, "any-secret"),
        )
        assert r.status_code == 200, r.text
        return str(r.json()["id_token"])


def _swapping(app: Any, provider: Provider) -> Any:
    """WSGI wrapper: rewrite the ID token of a token response when a swap is queued."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/oauth2/token" or not provider.swap_id_token:
            return app(environ, start_response)  # type: ignore[no-any-return]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(app(environ, capture))
        data = json.loads(body)
        data["id_token"] = provider.swap_id_token.pop(0)(data["id_token"])
        new_body = json.dumps(data).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(new_body)))])
        return [new_body]

    return wrapped


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    holder = Provider(url="")
    app = oidc_provider_mock.app(require_nonce=True)
    server = make_server("127.0.0.1", 0, _swapping(app, holder), threaded=True)
    holder.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield holder
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture
def oidc_client(
    web_app_factory: Callable[..., Any], web_world: World, provider: Provider
) -> WebClient:
    provider.swap_id_token.clear()
    app = web_app_factory(
        oidc_issuer=provider.url, oidc_client_id=CLIENT_ID, oidc_client_secret="s3cret"
    )
    return WebClient(app.test_client())


def _login(client: WebClient, provider: Provider, sub: str) -> Any:
    r = client.get("/login/oidc?next=/sites/")
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith(provider.url + "/oauth2/authorize?")  # found by discovery
    back = urlsplit(provider.authorize(location, sub))
    return client.get(f"{back.path}?{back.query}")


def _nonce_of_next_login(client: WebClient) -> str:
    r = client.get("/login/oidc?next=/sites/")
    return parse_qs(urlsplit(r.headers["Location"]).query)["nonce"][0]


def test_signed_id_token_logs_in_and_groups_make_an_admin(
    oidc_client: WebClient, provider: Provider, db_session: Session
) -> None:
    provider.set_user(
        "u-dave",
        {"preferred_username": "dave", "email": "dave@example.org", "groups": [ADMIN_GROUP]},
    )
    assert "Log in with" in oidc_client.get("/login").get_data(as_text=True)
    r = _login(oidc_client, provider, "u-dave")
    assert r.status_code == 302 and r.headers["Location"] == "/sites/"
    assert oidc_client.get("/admin/").status_code == 200
    user = db_session.scalars(select(m.User).where(m.User.username == "dave")).one()
    assert user.password_hash is None and user.email == "dave@example.org"


def test_group_membership_follows_the_provider(
    oidc_client: WebClient,
    provider: Provider,
    web_app_factory: Callable[..., Any],
) -> None:
    provider.set_user("u-erin", {"preferred_username": "erin", "groups": [ADMIN_GROUP]})
    _login(oidc_client, provider, "u-erin")
    assert oidc_client.get("/admin/").status_code == 200
    provider.set_user("u-erin", {"preferred_username": "erin", "groups": ["packager"]})
    again = WebClient(
        web_app_factory(
            oidc_issuer=provider.url, oidc_client_id=CLIENT_ID, oidc_client_secret="s3cret"
        ).test_client()
    )
    r = _login(again, provider, "u-erin")
    assert r.status_code == 302
    assert again.get("/admin/").status_code == 403  # the group left the claim: no admin


def _refused(client: WebClient, response: Any) -> None:
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Login with the identity provider failed" in page
    assert client.get("/sites/").status_code == 302  # still logged out


def test_tampered_id_token_is_refused(
    oidc_client: WebClient, provider: Provider, db_session: Session
) -> None:
    provider.set_user("u-mallory", {"preferred_username": "mallory", "groups": [ADMIN_GROUP]})

    def tamper(token: str) -> str:
        header, payload, signature = token.split(".")
        flipped = "A" if signature[10] != "A" else "B"
        return ".".join([header, payload, signature[:10] + flipped + signature[11:]])

    provider.swap_id_token.append(tamper)
    _refused(oidc_client, _login(oidc_client, provider, "u-mallory"))
    assert db_session.scalars(select(m.User).where(m.User.username == "mallory")).first() is None


def test_id_token_for_another_client_is_refused(
    oidc_client: WebClient, provider: Provider, db_session: Session
) -> None:
    provider.set_user("u-trent", {"preferred_username": "trent", "groups": [ADMIN_GROUP]})
    nonce = _nonce_of_next_login(oidc_client)
    # Signed by the right provider, for the right user and nonce, but issued to another client.
    foreign = provider.id_token_for("another-client", nonce, "u-trent")
    provider.swap_id_token.append(lambda _token: foreign)
    r = oidc_client.get("/login/oidc?next=/sites/")
    back = urlsplit(provider.authorize(r.headers["Location"], "u-trent"))
    _refused(oidc_client, oidc_client.get(f"{back.path}?{back.query}"))
    assert db_session.scalars(select(m.User).where(m.User.username == "trent")).first() is None


def test_forged_state_is_refused(oidc_client: WebClient) -> None:
    r = oidc_client.get("/login/oidc/callback?code=abc&state=forged")
    _refused(oidc_client, r)


def test_provider_down_is_a_clear_refusal(
    web_app_factory: Callable[..., Any], web_world: World
) -> None:
    # Discovery cannot reach the provider: one message, back to the login page, no 500.
    app = web_app_factory(oidc_issuer="http://127.0.0.1:9", oidc_client_id=CLIENT_ID)
    client = WebClient(app.test_client())
    r = client.get("/login/oidc?next=/sites/")
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/login"
    assert "identity provider cannot be reached" in client.get("/login").get_data(as_text=True)
