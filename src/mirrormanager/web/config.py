"""Web settings, read with defaults until they join the one settings table.

Each row here is a setting the web UI needs; `web_setting(settings, name)` returns the
configured value when `Settings` has the field and the default otherwise, so the UI works
before and after the settings table grows these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class WebSetting:
    name: str
    default: Any
    help: str


WEB_SETTINGS: tuple[WebSetting, ...] = (
    WebSetting("web_bind", "127.0.0.1:8000", "host:port that `serve-web` listens on"),
    WebSetting("web_threads", 8, "Worker threads of `serve-web` (waitress)"),
    WebSetting(
        "web_base_url",
        "",
        "Public URL of the web UI (e.g. https://mirrors.example.org/mirrormanager); used in "
        "e-mailed links and as the OIDC redirect base. Empty: taken from each request",
    ),
    WebSetting("web_signup", False, "Let anyone create a local account (confirmed by e-mail)"),
    WebSetting(
        "web_session_cookie_secure",
        False,
        "Send the session cookie over HTTPS only; set it in production behind TLS",
    ),
    WebSetting("web_session_hours", 12, "A login lasts this many hours"),
    WebSetting("web_token_max_age_hours", 24, "E-mailed confirmation/reset links expire after"),
    WebSetting(
        "web_netblock_max_prefix_v4",
        16,
        "Site admins may add public IPv4 netblocks of this prefix length or longer "
        "(smaller = larger networks need an admin)",
    ),
    WebSetting(
        "web_netblock_max_prefix_v6", 32, "The same limit for IPv6 netblocks (prefix length)"
    ),
    WebSetting("web_page_size", 50, "Rows per page on long lists"),
    WebSetting("oidc_issuer", "", "OpenID Connect provider URL; empty disables OIDC login"),
    WebSetting("oidc_client_id", "", "OIDC client id registered at the provider"),
    WebSetting("oidc_client_secret", "", "OIDC client secret"),
    WebSetting("oidc_scopes", "openid email profile", "Scopes asked from the OIDC provider"),
    WebSetting(
        "oidc_groups_claim", "groups", "Claim of the ID token/userinfo that lists the groups"
    ),
    WebSetting(
        "oidc_provider_name", "single sign-on", "How the login page names the OIDC provider"
    ),
)
_DEFAULTS = {row.name: row.default for row in WEB_SETTINGS}


def web_setting(settings: Any, name: str) -> Any:
    """The value of a web setting: from `settings` when it has the field, else the default."""
    default = _DEFAULTS[name]  # KeyError: a typo in a setting name is a programming error
    value = getattr(settings, name, default)
    if isinstance(default, bool):
        return bool(value)
    if isinstance(default, int):
        return int(value)
    return value
