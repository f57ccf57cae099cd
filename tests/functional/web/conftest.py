"""Fixtures of the web UI tests: an app bound to the test's transaction, a small world of
two sites with their admins, and clients logged in as each kind of user."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.settings import Settings
from mirrormanager.web.app import create_app
from mirrormanager.web.security import hash_password, password_fingerprint
from tests import factories as f

PASSWORD = "correct horse battery"
PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
ADMIN_GROUP = "sysadmin-web"
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def web_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "log_dir": tmp_path / "log",
        "secret_key": "test-secret",
        "admin_group": ADMIN_GROUP,
    }
    values.update(overrides)
    return Settings(**values)


class WebClient:
    """Flask's test client plus the CSRF token of its session."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def token(self) -> str:
        """A fresh token, as a browser gets one with each page (login clears the session)."""
        page = self.client.get("/login").get_data(as_text=True)
        match = _CSRF.search(page)
        assert match, "no CSRF token on the login page"
        return next(g for g in match.groups() if g)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> Any:
        payload = dict(data or {})
        if csrf:
            payload["csrf_token"] = self.token()
        return self.client.post(url, data=payload, **kw)

    def login_as(self, user: m.User | None) -> WebClient:
        if user is not None:
            with self.client.session_transaction() as sess:
                sess["uid"] = user.id
                sess["pwf"] = password_fingerprint(user.password_hash)
        return self


@dataclass
class World:
    admin: m.User
    alice: m.User  # admin of site A
    bob: m.User  # admin of site B
    site_a: m.Site
    site_b: m.Site
    host_a: m.Host
    host_b: m.Host
    category: m.Category
    hc_a: m.HostCategory
    url_a: m.HostCategoryUrl
    netblock_a: m.HostNetblock
    country_a: m.HostCountryAllowed
    acl_a: m.HostAclIp
    peer_asn_a: m.HostPeerAsn


def make_user(db: Session, username: str, *groups: str) -> m.User:
    user = f.UserFactory(username=username, password_hash=PASSWORD_HASH, email_confirmed=True)
    for name in groups:
        group = db.query(m.Group).filter_by(name=name).one_or_none() or m.Group(name=name)
        db.add(group)
        db.flush()
        db.add(m.UserGroup(user_id=user.id, group_id=group.id))
    db.flush()
    return user


@pytest.fixture
def web_world(db_session: Session) -> World:
    db = db_session
    admin = make_user(db, "root", ADMIN_GROUP)
    alice = make_user(db, "alice")
    bob = make_user(db, "bob")
    topdir = f.DirectoryFactory(name="pub/epel")
    category = f.CategoryFactory(name="Fedora EPEL", topdir=topdir)
    site_a = f.SiteFactory(name="site-a.example.org")
    site_b = f.SiteFactory(name="site-b.example.org")
    db.add_all(
        [
            m.SiteAdmin(site_id=site_a.id, user_id=alice.id),
            m.SiteAdmin(site_id=site_b.id, user_id=bob.id),
        ]
    )
    host_a = f.HostFactory(site=site_a, name="mirror.site-a.example.org", country="DE")
    host_b = f.HostFactory(site=site_b, name="mirror.site-b.example.org", country="FR")
    hc_a = f.HostCategoryFactory(host=host_a, category=category)
    url_a = f.HostCategoryUrlFactory(
        host_category=hc_a, url="https://mirror.site-a.example.org/epel"
    )
    hc_b = f.HostCategoryFactory(host=host_b, category=category)
    f.HostCategoryUrlFactory(host_category=hc_b, url="https://mirror.site-b.example.org/epel")
    netblock_a = m.HostNetblock(host_id=host_a.id, netblock="192.0.2.0/24", name="lan")
    country_a = m.HostCountryAllowed(host_id=host_a.id, country="DE")
    acl_a = m.HostAclIp(host_id=host_a.id, ip="192.0.2.10")
    peer_asn_a = m.HostPeerAsn(host_id=host_a.id, asn=64500)
    db.add_all([netblock_a, country_a, acl_a, peer_asn_a])
    db.commit()  # the app's session closes after each request; commit = savepoint release
    return World(
        admin,
        alice,
        bob,
        site_a,
        site_b,
        host_a,
        host_b,
        category,
        hc_a,
        url_a,
        netblock_a,
        country_a,
        acl_a,
        peer_asn_a,
    )


@pytest.fixture
def web_app_factory(db_session: Session, tmp_path: Path) -> Callable[..., Flask]:
    def build(**overrides: Any) -> Flask:
        app = create_app(web_settings(tmp_path, **overrides), session_factory=lambda: db_session)
        app.config["TESTING"] = True
        # "Check now" jobs stay queued: a crawl would leave loopback (tests/functional/web/
        # test_check_now.py runs them against a real mirror).
        app.extensions["mm_check_runner"] = lambda job_id, host_id: None
        return app

    return build


@pytest.fixture
def web_app(web_app_factory: Callable[..., Flask]) -> Flask:
    return web_app_factory()


@pytest.fixture
def web_client(web_app: Flask) -> Iterator[Callable[[m.User | None], WebClient]]:
    def make(user: m.User | None = None) -> WebClient:
        return WebClient(web_app.test_client()).login_as(user)

    yield make
