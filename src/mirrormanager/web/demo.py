"""Demo accounts for `mirrormanager demo`: an admin and the admin of one demo site.

Passwords are random per demo database and printed by the demo command; calling this
again keeps existing accounts (and returns no password for them).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Site, SiteAdmin
from mirrormanager.web import accounts

DEMO_DOMAIN = "demo.example"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str | None  # None: the account existed already
    role: str


def create_demo_accounts(session: Session, admin_group: str) -> list[DemoAccount]:
    """Create `demo-admin` (in `admin_group`) and `demo-mirror` (admin of the first site)."""
    result: list[DemoAccount] = []
    site = session.scalar(select(Site).order_by(Site.id).limit(1))
    for username, role in (("demo-admin", "admin"), ("demo-mirror", "mirror admin")):
        user = accounts.find_user(session, username)
        password: str | None = None
        # demo.example (RFC 2606 style: never a real domain) passes the app's own e-mail
        # check, so the demo mirror admin can save their account page.
        email = f"{username}@{DEMO_DOMAIN}"
        if user is not None and (user.email or "").endswith("@localhost"):
            user.email = email  # demo databases made before the change
        if user is None:
            password = secrets.token_urlsafe(9)
            user = accounts.create_user(
                session,
                username,
                email=email,
                password=password,
                email_confirmed=True,
            )
        if role == "admin":
            accounts.grant(session, user, admin_group)
        elif site is not None:
            linked = session.scalar(
                select(SiteAdmin.id).where(
                    SiteAdmin.site_id == site.id, SiteAdmin.user_id == user.id
                )
            )
            if linked is None:
                session.add(SiteAdmin(site_id=site.id, user_id=user.id))
        described = role if role == "admin" or site is None else f"{role} of {site.name}"
        result.append(DemoAccount(username, password, described))
    session.flush()
    return result
