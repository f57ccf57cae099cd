"""What a mirror admin does, form by form: log in, register a site and its hosts, carry
categories with URLs, add netblocks; validation errors appear next to their fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from tests.functional.web.conftest import PASSWORD, World


def test_login_logout_and_safe_next(web_client: Callable[..., Any], web_world: World) -> None:
    client = web_client(None)
    r = client.post("/login", {"username": "alice", "password": "wrong password!"})
    assert r.status_code == 200 and "Wrong user name or password" in r.get_data(as_text=True)
    r = client.post(
        "/login", {"username": "alice", "password": PASSWORD, "next": "https://evil.example.org/"}
    )
    assert r.status_code == 302 and r.headers["Location"] == "/sites/"
    assert client.get("/sites/").status_code == 200
    client.post("/logout")
    assert client.get("/sites/").status_code == 302


def test_login_goes_to_next(web_client: Callable[..., Any], web_world: World) -> None:
    client = web_client(None)
    r = client.post(
        "/login",
        {"username": "alice", "password": PASSWORD, "next": f"/hosts/{web_world.host_a.id}"},
    )
    assert r.headers["Location"] == f"/hosts/{web_world.host_a.id}"


def test_csrf_is_enforced(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.alice)
    r = client.post(f"/hosts/{web_world.host_a.id}/delete", csrf=False)
    assert r.status_code == 400
    r = client.post(f"/hosts/{web_world.host_a.id}/delete", {"csrf_token": "forged"}, csrf=False)
    assert r.status_code == 400
    r = web_client(None).post("/login", {"username": "alice", "password": PASSWORD}, csrf=False)
    assert r.status_code == 400
    db_session.expire_all()
    assert db_session.get(m.Host, web_world.host_a.id) is not None


def test_register_a_mirror_end_to_end(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.bob)
    r = client.post(
        "/sites/new",
        {
            "name": "new-site",
            "org_url": "https://example.net/",
            "password": "checkin-secret",
            "user_active": "y",
        },
    )
    assert r.status_code == 302
    site = db_session.scalars(select(m.Site).where(m.Site.name == "new-site")).one()
    assert site.password and site.password.startswith("$argon2")
    assert db_session.scalars(
        select(m.SiteAdmin).where(
            m.SiteAdmin.site_id == site.id, m.SiteAdmin.user_id == web_world.bob.id
        )
    ).one()
    r = client.post(
        f"/sites/{site.id}/hosts/new",
        {
            "name": "mirror.example.net",
            "country": "nl",
            "bandwidth_int": "10000",
            "max_connections": "2",
            "user_active": "y",
            "asn": "64496",
            "asn_clients": "y",
            "latitude": "52.3",
            "longitude": "4.9",
        },
    )
    assert r.status_code == 302
    host = db_session.scalars(select(m.Host).where(m.Host.name == "mirror.example.net")).one()
    assert (host.country, host.asn, host.latitude) == ("NL", 64496, 52.3)
    r = client.post(
        f"/hosts/{host.id}/categories/add", {"cat-category_id": str(web_world.category.id)}
    )
    assert r.status_code == 302
    hc = db_session.scalars(select(m.HostCategory).where(m.HostCategory.host_id == host.id)).one()
    # A URL that does not end in the category's top directory is refused next to the field.
    r = client.post(
        f"/host-categories/{hc.id}/urls/add", {f"u{hc.id}-url": "https://mirror.example.net/"}
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "ending in /epel" in page and 'class="error"' in page
    r = client.post(
        f"/host-categories/{hc.id}/urls/add", {f"u{hc.id}-url": "https://mirror.example.net/fedora"}
    )
    assert "must end with /epel" in r.get_data(as_text=True)
    for bad in (
        "gopher://mirror.example.net/epel",
        "https://user:pw@mirror.example.net/epel",
        "https:///epel",
        "https://mirror.example.net/epel?x=1",
    ):
        r = client.post(f"/host-categories/{hc.id}/urls/add", {f"u{hc.id}-url": bad})
        assert r.status_code == 200 and 'class="error"' in r.get_data(as_text=True), bad
    for good in ("https://mirror.example.net/pub/epel/", "rsync://mirror.example.net/epel"):
        assert (
            client.post(f"/host-categories/{hc.id}/urls/add", {f"u{hc.id}-url": good}).status_code
            == 302
        )
    # A URL already used by another host is refused.
    r = client.post(
        f"/host-categories/{hc.id}/urls/add",
        {f"u{hc.id}-url": "https://mirror.site-a.example.org/epel"},
    )
    assert "registered already" in r.get_data(as_text=True)
    r = client.post(f"/hosts/{host.id}/netblocks/add", {"nb-netblock": "192.0.2.0/24"})
    assert r.status_code == 302
    r = client.post(f"/hosts/{host.id}/netblocks/add", {"nb-netblock": "192.0.2.1/24"})
    assert "Host bits are set" in r.get_data(as_text=True)
    r = client.post(f"/hosts/{host.id}/netblocks/add", {"nb-netblock": "not-a-network"})
    assert "CIDR" in r.get_data(as_text=True)
    page = client.get(f"/hosts/{host.id}").get_data(as_text=True)
    assert "https://mirror.example.net/pub/epel/" in page and "192.0.2.0/24" in page
    db_session.expire_all()
    urls = db_session.scalars(
        select(m.HostCategoryUrl.url).where(m.HostCategoryUrl.host_category_id == hc.id)
    ).all()
    assert sorted(urls) == [
        "https://mirror.example.net/pub/epel/",
        "rsync://mirror.example.net/epel",
    ]
    actions = db_session.scalars(
        select(m.AuditLog.summary).where(m.AuditLog.username == "bob")
    ).all()
    assert len(actions) >= 6


def test_large_public_netblocks_need_an_admin(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    h = web_world.host_a.id
    alice = web_client(web_world.alice)
    for big in ("8.0.0.0/8", "2001:4000::/20"):
        r = alice.post(f"/hosts/{h}/netblocks/add", {"nb-netblock": big})
        assert "only be added by an administrator" in r.get_data(as_text=True)
    # Private space of any size is fine; /16 public is the limit.
    assert alice.post(f"/hosts/{h}/netblocks/add", {"nb-netblock": "10.0.0.0/8"}).status_code == 302
    assert (
        alice.post(f"/hosts/{h}/netblocks/add", {"nb-netblock": "130.10.0.0/16"}).status_code == 302
    )
    assert (
        web_client(web_world.admin)
        .post(f"/hosts/{h}/netblocks/add", {"nb-netblock": "8.0.0.0/8"})
        .status_code
        == 302
    )
    db_session.expire_all()
    blocks = set(
        db_session.scalars(select(m.HostNetblock.netblock).where(m.HostNetblock.host_id == h))
    )
    assert blocks == {"192.0.2.0/24", "10.0.0.0/8", "130.10.0.0/16", "8.0.0.0/8"}


def test_site_admins_are_added_and_removed(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.alice)
    site = web_world.site_a.id
    assert client.post(f"/sites/{site}/admins", {"username": "bob"}).status_code == 302
    r = client.post(f"/sites/{site}/admins", {"username": "nobody"}, follow_redirects=True)
    assert "No user named" in r.get_data(as_text=True)
    link = db_session.scalars(
        select(m.SiteAdmin).where(
            m.SiteAdmin.site_id == site, m.SiteAdmin.user_id == web_world.bob.id
        )
    ).one()
    assert web_client(web_world.bob).get(f"/sites/{site}").status_code == 200
    assert client.get(f"/sites/{site}/admins/{link.id}/delete").status_code == 200
    assert client.post(f"/sites/{site}/admins/{link.id}/delete").status_code == 302
    assert web_client(web_world.bob).get(f"/sites/{site}").status_code == 404


def test_delete_asks_for_confirmation_first(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.alice)
    page = client.get(f"/hosts/{web_world.host_a.id}/delete").get_data(as_text=True)
    assert "Delete the host" in page and 'method="post"' in page
    db_session.expire_all()
    assert db_session.get(m.Host, web_world.host_a.id) is not None


def test_search_and_pagination(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    for i in range(60):
        db_session.add(m.Site(name=f"bulk-{i:02d}.example.org"))
    db_session.commit()
    client = web_client(web_world.admin)
    page = client.get("/sites/").get_data(as_text=True)
    assert "page 1 of 2" in page and "Next" in page
    page = client.get("/sites/?q=bulk-0&page=1").get_data(as_text=True)
    assert "10 found" in page and "bulk-07" in page and "site-a" not in page
    page = client.get("/sites/?q=100%25_").get_data(as_text=True)
    assert "0 found" in page


def test_password_change_ends_other_sessions(
    web_client: Callable[..., Any], web_world: World
) -> None:
    client = web_client(web_world.alice)
    other = web_client(web_world.alice)
    r = client.post(
        "/account/password", {"current": "wrong", "password": "x" * 12, "confirm": "x" * 12}
    )
    assert "not your current password" in r.get_data(as_text=True)
    r = client.post(
        "/account/password", {"current": PASSWORD, "password": "short", "confirm": "short"}
    )
    assert 'class="error"' in r.get_data(as_text=True)
    r = client.post(
        "/account/password",
        {"current": PASSWORD, "password": "new password 1", "confirm": "new password 1"},
    )
    assert r.status_code == 302
    assert client.get("/sites/").status_code == 200
    assert other.get("/sites/").status_code == 302


def test_free_text_is_escaped(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    xss = '<script>alert("x")</script>'
    client = web_client(web_world.alice)
    client.post(
        f"/sites/{web_world.site_a.id}/edit",
        {"name": xss, "user_active": "y", "downstream_comments": xss},
    )
    client.post(
        f"/hosts/{web_world.host_a.id}/edit",
        {
            "name": "mirror.site-a.example.org",
            "country": "DE",
            "bandwidth_int": "1",
            "max_connections": "1",
            "comment": xss,
            "user_active": "y",
        },
    )
    client.post(
        f"/hosts/{web_world.host_a.id}/netblocks/add",
        {"nb-netblock": "198.51.100.0/24", "nb-name": xss},
    )
    r = client.post(
        f"/sites/{web_world.site_a.id}/edit",
        {"name": "x", "user_active": "y", "org_url": "javascript://x.org/%0aalert(1)"},
    )
    assert "Use an http(s) URL" in r.get_data(as_text=True)
    admin = web_client(web_world.admin)
    admin.post("/admin/locations/new", {"name": xss, "description": xss})
    pages = [
        f"/sites/{web_world.site_a.id}",
        f"/hosts/{web_world.host_a.id}",
        "/sites/",
        "/admin/audit",
        "/admin/locations/",
        "/admin/hosts",
    ]
    for url in pages:
        body = (admin if url.startswith("/admin") else client).get(url).get_data(as_text=True)
        assert "<script>alert" not in body, url
    assert "&lt;script&gt;" in client.get(f"/hosts/{web_world.host_a.id}").get_data(as_text=True)
