"""Demo accounts for `mirrormanager demo`: an admin and the admin of one demo site.

Passwords are random: :func:`create_demo_accounts` keeps existing accounts (and returns no
password for them); :func:`demo_logins` gives existing ones a new password on every run, so
the demo can always print working logins.
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


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
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


def demo_logins(session: Session, admin_group: str) -> list[DemoLogin]:
    """The demo accounts with their passwords; passwords are new on every run. Commits."""
    logins = []
    for account in create_demo_accounts(session, admin_group):
        password = account.password
        if password is None:
            password = secrets.token_urlsafe(9)
            user = accounts.find_user(session, account.username)
            assert user is not None
            accounts.set_password(user, password)
        logins.append(DemoLogin(account.username, password, account.role))
    session.commit()
    return logins
