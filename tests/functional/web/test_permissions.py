"""The permission matrix: (anonymous, admin of site A, admin of site B, admin) x (view,
change, delete) on site A's site, host, URL, netblock and other host items. A site admin
reaching another site's objects by changing ids in URLs or forms gets 404, and nothing
changes in the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from tests.functional.web.conftest import World

# (name, view URL, change (URL, form), delete URL, model, id) — all about site A.
Case = tuple[str, str | None, tuple[str, dict[str, Any]] | None, str, type[Any], int]


def cases(w: World) -> list[Case]:
    h = w.host_a.id
    return [
        (
            "site",
            f"/sites/{w.site_a.id}",
            (f"/sites/{w.site_a.id}/edit", {"name": "hijacked", "user_active": "y"}),
            f"/sites/{w.site_a.id}/delete",
            m.Site,
            w.site_a.id,
        ),
        (
            "host",
            f"/hosts/{h}",
            (
                f"/hosts/{h}/edit",
                {
                    "name": "hijacked.example.org",
                    "country": "US",
                    "bandwidth_int": "1",
                    "max_connections": "1",
                },
            ),
            f"/hosts/{h}/delete",
            m.Host,
            h,
        ),
        (
            "url",
            f"/host-categories/{w.hc_a.id}/urls/add",
            (
                f"/host-categories/{w.hc_a.id}/urls/add",
                {f"u{w.hc_a.id}-url": "https://evil.example.org/epel"},
            ),
            f"/urls/{w.url_a.id}/delete",
            m.HostCategoryUrl,
            w.url_a.id,
        ),
        (
            "netblock",
            f"/hosts/{h}/netblocks/add",
            (f"/hosts/{h}/netblocks/add", {"nb-netblock": "198.51.100.0/24"}),
            f"/hosts/{h}/netblocks/{w.netblock_a.id}/delete",
            m.HostNetblock,
            w.netblock_a.id,
        ),
        (
            "country",
            f"/hosts/{h}/countries/add",
            (f"/hosts/{h}/countries/add", {"cc-country": "US"}),
            f"/hosts/{h}/countries/{w.country_a.id}/delete",
            m.HostCountryAllowed,
            w.country_a.id,
        ),
        (
            "acl",
            f"/hosts/{h}/acl-ips/add",
            (f"/hosts/{h}/acl-ips/add", {"acl-ip": "203.0.113.1"}),
            f"/hosts/{h}/acl-ips/{w.acl_a.id}/delete",
            m.HostAclIp,
            w.acl_a.id,
        ),
        (
            "host-category",
            f"/host-categories/{w.hc_a.id}/delete",
            None,
            f"/host-categories/{w.hc_a.id}/delete",
            m.HostCategory,
            w.hc_a.id,
        ),
    ]


def snapshot(db: Session) -> dict[str, Any]:
    """Everything a request could have changed."""
    db.expire_all()
    counts = {
        model.__name__: db.scalar(select(func.count()).select_from(model))
        for model in (
            m.Site,
            m.Host,
            m.HostCategory,
            m.HostCategoryUrl,
            m.HostNetblock,
            m.HostCountryAllowed,
            m.HostAclIp,
            m.HostPeerAsn,
            m.SiteAdmin,
        )
    }
    names = sorted(db.scalars(select(m.Site.name)).all()) + sorted(
        db.scalars(select(m.Host.name)).all()
    )
    return {"counts": counts, "names": names}


@pytest.mark.parametrize("who", ["anonymous", "bob"])
def test_outsiders_cannot_view_change_or_delete(
    web_client: Callable[..., Any], web_world: World, db_session: Session, who: str
) -> None:
    user = None if who == "anonymous" else web_world.bob
    client = web_client(user)
    before = snapshot(db_session)
    expected = 302 if user is None else 404
    for name, view, change, delete, _model, _id in cases(web_world):
        if view:
            assert client.get(view).status_code == expected, (name, "view")
        if change:
            assert client.post(change[0], change[1]).status_code == expected, (name, "change")
        assert client.get(delete).status_code == expected, (name, "delete page")
        assert client.post(delete).status_code == expected, (name, "delete")
    assert snapshot(db_session) == before


@pytest.mark.parametrize("who", ["alice", "admin"])
def test_owners_and_admins_can_change_and_delete(
    web_client: Callable[..., Any], web_world: World, db_session: Session, who: str
) -> None:
    client = web_client(getattr(web_world, who))
    order = ["url", "netblock", "country", "acl", "host-category", "host", "site"]
    by_name = {case[0]: case for case in cases(web_world)}
    for name, view, change, delete, model, object_id in (by_name[n] for n in order):
        if view:
            assert client.get(view).status_code == 200, (name, "view")
        if change and name != "site" and name != "host":
            response = client.post(change[0], change[1])
            assert response.status_code == 302, (name, response.get_data(as_text=True)[:2000])
        response = client.post(delete)
        assert response.status_code == 302, (name, "delete")
        db_session.expire_all()
        assert db_session.get(model, object_id) is None, name


def test_site_admin_edits_own_site_and_host(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.alice)
    r = client.post(
        f"/sites/{web_world.site_a.id}/edit",
        {"name": "renamed-a", "user_active": "y", "admin_active": ""},
    )
    assert r.status_code == 302
    r = client.post(
        f"/hosts/{web_world.host_a.id}/edit",
        {
            "name": "new.site-a.example.org",
            "country": "at",
            "bandwidth_int": "1000",
            "max_connections": "3",
            "user_active": "y",
            "admin_active": "",
        },
    )
    assert r.status_code == 302
    db_session.expire_all()
    site = db_session.get(m.Site, web_world.site_a.id)
    host = db_session.get(m.Host, web_world.host_a.id)
    assert site is not None and site.name == "renamed-a"
    assert site.admin_active  # a site admin cannot switch the admin flag
    assert host is not None and host.country == "AT" and host.bandwidth_int == 1000
    assert host.admin_active


def test_site_admin_cannot_pair_own_host_with_foreign_item(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    """Own host id in the URL, another host's netblock id: 404, nothing deleted."""
    foreign = m.HostNetblock(host_id=web_world.host_b.id, netblock="198.51.100.0/24")
    db_session.add(foreign)
    db_session.commit()
    client = web_client(web_world.alice)
    url = f"/hosts/{web_world.host_a.id}/netblocks/{foreign.id}/delete"
    assert client.post(url).status_code == 404
    db_session.expire_all()
    assert db_session.get(m.HostNetblock, foreign.id) is not None


def test_site_admin_cannot_add_foreign_site_admins_or_hosts(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.bob)
    before = snapshot(db_session)
    assert (
        client.post(f"/sites/{web_world.site_a.id}/admins", {"username": "bob"}).status_code == 404
    )
    assert (
        client.post(
            f"/sites/{web_world.site_a.id}/hosts/new",
            {
                "name": "x.example.org",
                "country": "DE",
                "bandwidth_int": "1",
                "max_connections": "1",
            },
        ).status_code
        == 404
    )
    assert snapshot(db_session) == before


def test_peer_asns_and_locations_are_admin_only(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.alice)
    h = web_world.host_a.id
    assert client.post(f"/hosts/{h}/peer-asns/add", {"asn-asn": "64501"}).status_code == 403
    assert client.post(f"/hosts/{h}/peer-asns/{web_world.peer_asn_a.id}/delete").status_code == 403
    assert client.post(f"/hosts/{h}/locations/add", {"loc-location_id": "1"}).status_code == 403
    admin = web_client(web_world.admin)
    assert admin.post(f"/hosts/{h}/peer-asns/add", {"asn-asn": "64501"}).status_code == 302
    db_session.expire_all()
    asns = db_session.scalars(select(m.HostPeerAsn.asn).where(m.HostPeerAsn.host_id == h)).all()
    assert sorted(asns) == [64500, 64501]


def test_admin_switch_is_admin_only(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    url = f"/admin/hosts/{web_world.host_a.id}/switch"
    assert web_client(web_world.alice).post(url, {"reason": "x"}).status_code == 403
    r = web_client(web_world.admin).post(url, {"reason": "serves stale content"})
    assert r.status_code == 302
    db_session.expire_all()
    host = db_session.get(m.Host, web_world.host_a.id)
    assert host is not None and not host.admin_active
    assert host.disable_reason == "serves stale content"
    log = db_session.scalars(select(m.AuditLog).where(m.AuditLog.action == "disable")).one()
    assert log.username == "root" and log.details["reason"] == "serves stale content"
