"""OpenID Connect login through Authlib's Flask client, against a configurable provider.

The provider is found by discovery (`<oidc_issuer>/.well-known/openid-configuration`).
After login, the `oidc_groups_claim` claim (ID token, else userinfo) becomes the user's
group memberships, so membership of the provider's `admin_group` makes an admin.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth  # type: ignore[import-untyped]
from flask import Flask, current_app

from mirrormanager.logging import get_logger
from mirrormanager.settings import Settings
from mirrormanager.web.helpers import app_settings

log = get_logger(__name__)

CLIENT_NAME = "oidc"


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def init_app(app: Flask, settings: Settings) -> None:
    if not enabled(settings):
        return
    oauth = OAuth(app)
    issuer = str(settings.oidc_issuer).rstrip("/")
    oauth.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "timeout": 10},
    )
    app.extensions["mm_oauth"] = oauth


def client() -> Any:
    oauth = current_app.extensions.get("mm_oauth")
    return None if oauth is None else oauth.create_client(CLIENT_NAME)


def authorize_redirect(redirect_uri: str) -> Any:
    return client().authorize_redirect(redirect_uri)


def finish_login() -> dict[str, Any]:
    """Exchange the callback's code; return the merged ID-token and userinfo claims."""
    oidc_client = client()
    token = oidc_client.authorize_access_token()
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    groups_claim = app_settings().oidc_groups_claim
    if groups_claim not in claims:
        try:
            claims.update(dict(oidc_client.userinfo(token=token)))
        except Exception as exc:  # a provider without a userinfo endpoint is fine
            log.info("web.oidc_no_userinfo", error=str(exc))
    return claims


def groups_from_claims(claims: dict[str, Any], claim: str) -> set[str]:
    raw = claims.get(claim)
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list):
        return set()
    return {str(name)[:100] for name in raw if str(name).strip()}
