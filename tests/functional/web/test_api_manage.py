"""/api/v1 for everything a site admin or an admin does in the UI: sites, site admins,
hosts, categories carried, host lists and tokens, with the UI's permissions (another site's
objects are 404, admin-only fields 403) and the UI's defaults (a new host is enabled)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.security import new_api_token
from tests.functional.web.conftest import World


def _token(db: Session, user: m.User, **extra: Any) -> dict[str, str]:
    token, token_hash = new_api_token()
    db.add(m.ApiToken(user_id=user.id, name="test", token_hash=token_hash, **extra))
    db.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(web_app: Flask) -> Any:
    return web_app.test_client()


def test_sites_crud_and_admins(api: Any, web_world: World, db_session: Session) -> None:
    alice, bob = _token(db_session, web_world.alice), _token(db_session, web_world.bob)
    r = api.post("/api/v1/sites", headers=alice, json={"name": "new.example.org"})
    assert r.status_code == 201, r.get_json()
    site = r.get_json()
    assert site["admins"] == ["alice"] and site["admin_active"] is True and site["hosts"] == []
    names = [s["name"] for s in api.get("/api/v1/sites", headers=alice).get_json()["sites"]]
    assert names == ["new.example.org", "site-a.example.org"]
    url = f"/api/v1/sites/{site['id']}"
    assert api.get(url, headers=bob).status_code == 404
    assert api.patch(url, headers=bob, json={"private": True}).status_code == 404
    assert api.delete(url, headers=bob).status_code == 404
    r = api.patch(url, headers=alice, json={"private": True, "password": "check-in pw"})
    assert r.status_code == 200 and r.get_json()["private"] is True
    assert r.get_json()["has_password"] is True and "password" not in r.get_json()
    r = api.patch(url, headers=alice, json={"admin_active": False})
    assert r.status_code == 403 and r.get_json()["field"] == "admin_active"
    r = api.patch(url, headers=alice, json={"name": "site-b.example.org"})
    assert r.status_code == 409 and r.get_json()["field"] == "name"
    r = api.patch(url, headers=alice, json={"org_url": "javascript:alert(1)"})
    assert r.status_code == 422 and "org_url" in r.get_json()["fields"]
    assert api.patch(url, headers=alice, json={"bogus": 1}).status_code == 400
    # admins of the site
    r = api.post(f"{url}/admins", headers=alice, json={"username": "bob"})
    assert r.status_code == 201 and r.get_json()["admins"] == ["alice", "bob"]
    r = api.post(f"{url}/admins", headers=alice, json={"username": "nobody"})
    assert r.status_code == 422 and r.get_json()["field"] == "username"
    assert api.delete(f"{url}/admins/alice", headers=bob).status_code == 204
    r = api.delete(f"{url}/admins/bob", headers=bob)
    assert r.status_code == 409 and "no administrator left" in r.get_json()["error"]
    assert api.delete(f"{url}/admins/alice", headers=bob).status_code == 404
    # delete, with its hosts
    r = api.post(f"{url}/hosts", headers=bob, json={"name": "h.new.example.org", "country": "NL"})
    assert r.status_code == 201
    assert api.delete(url, headers=alice).status_code == 404  # no longer alice's
    assert api.delete(url, headers=bob).status_code == 204
    db_session.expire_all()
    assert db_session.get(m.Site, site["id"]) is None
    assert db_session.scalar(select(m.Host).where(m.Host.name == "h.new.example.org")) is None
    summaries = set(db_session.scalars(select(m.AuditLog.summary)))
    assert "site new.example.org created (API)" in summaries


def test_new_host_is_enabled_for_admins_too(
    api: Any, web_world: World, db_session: Session
) -> None:
    """The bug of issue 11: an admin's API-created host started disabled."""
    root = _token(db_session, web_world.admin)
    r = api.post(
        f"/api/v1/sites/{web_world.site_b.id}/hosts",
        headers=root,
        json={"name": "admin-made.example.org", "country": "FR"},
    )
    assert r.status_code == 201, r.get_json()
    host = r.get_json()
    assert host["admin_active"] is True and host["user_active"] is True
    assert host["bandwidth_int"] == 100 and host["max_connections"] == 1
    assert host["asn_clients"] is True
    assert api.delete(f"/api/v1/hosts/{host['id']}", headers=root).status_code == 204
    alice = _token(db_session, web_world.alice)
    assert api.delete(f"/api/v1/hosts/{web_world.host_b.id}", headers=alice).status_code == 404
    # /hosts?site_id= filters; another site's id gives nothing; unknown parameters are refused
    mine = api.get(f"/api/v1/hosts?site_id={web_world.site_a.id}", headers=alice).get_json()
    assert [h["name"] for h in mine["hosts"]] == ["mirror.site-a.example.org"]
    other = api.get(f"/api/v1/hosts?site_id={web_world.site_b.id}", headers=alice).get_json()
    assert other["hosts"] == []
    assert api.get("/api/v1/hosts?site=1", headers=alice).status_code == 400
    assert api.get("/api/v1/hosts?site_id=x", headers=alice).status_code == 400


def test_categories_carried(api: Any, web_world: World, db_session: Session) -> None:
    alice, root = _token(db_session, web_world.alice), _token(db_session, web_world.admin)
    other = m.Category(name="Other", product_id=web_world.category.product_id)
    db_session.add(other)
    db_session.commit()
    host_url = f"/api/v1/hosts/{web_world.host_a.id}/categories"
    r = api.post(host_url, headers=alice, json={"category": "Other", "always_up2date": True})
    assert r.status_code == 403 and r.get_json()["field"] == "always_up2date"
    r = api.post(host_url, headers=alice, json={"category": "Other"})
    assert r.status_code == 201 and r.get_json()["always_up2date"] is False
    hc_url = f"/api/v1/host-categories/{r.get_json()['id']}"
    assert api.post(host_url, headers=alice, json={"category": "Other"}).status_code == 409
    assert api.post(host_url, headers=alice, json={"category": "Nope"}).status_code == 422
    assert api.patch(hc_url, headers=alice, json={"always_up2date": True}).status_code == 403
    r = api.patch(hc_url, headers=root, json={"always_up2date": True})
    assert r.status_code == 200 and r.get_json()["always_up2date"] is True
    bob = _token(db_session, web_world.bob)
    assert api.delete(hc_url, headers=bob).status_code == 404
    assert api.delete(hc_url, headers=alice).status_code == 204
    host = api.get(f"/api/v1/hosts/{web_world.host_a.id}", headers=alice).get_json()
    assert [c["category"] for c in host["categories"]] == ["Fedora EPEL"]


@pytest.mark.parametrize(
    ("key", "body", "admin_only"),
    [
        ("netblocks", {"netblock": "198.51.100.0/24", "name": "dc"}, False),
        ("countries", {"country": "at"}, False),
        ("acl-ips", {"ip": "198.51.100.9"}, False),
        ("peer-asns", {"asn": 64511, "name": "peer"}, True),
        ("locations", None, True),
    ],
)
def test_host_lists(
    api: Any,
    web_world: World,
    db_session: Session,
    key: str,
    body: dict[str, Any] | None,
    admin_only: bool,
) -> None:
    if body is None:
        location = m.Location(name="fra-ix")
        db_session.add(location)
        db_session.commit()
        body = {"location_id": location.id}
    alice, bob = _token(db_session, web_world.alice), _token(db_session, web_world.bob)
    root = _token(db_session, web_world.admin)
    url = f"/api/v1/hosts/{web_world.host_a.id}/{key}"
    assert api.post(url, headers=bob, json=body).status_code == 404
    assert api.get(url, headers=bob).status_code == 404
    r = api.post(url, headers=alice, json=body)
    if admin_only:
        assert r.status_code == 403
        r = api.post(url, headers=root, json=body)
    assert r.status_code == 201, r.get_json()
    item = r.get_json()
    listed = api.get(url, headers=alice).get_json()["items"]
    assert item in listed
    assert api.post(url, headers=root, json=body).status_code == 409
    assert api.delete(f"{url}/{item['id']}", headers=bob).status_code == 404
    # an item id of another host through my host's URL is 404 too
    other = f"/api/v1/hosts/{web_world.host_b.id}/{key}/{item['id']}"
    assert api.delete(other, headers=root).status_code == 404
    r = api.delete(f"{url}/{item['id']}", headers=alice)
    assert r.status_code == (403 if admin_only else 204)
    assert api.delete(f"{url}/{item['id']}", headers=root).status_code in (204, 404)
    assert item not in api.get(url, headers=alice).get_json()["items"]


def test_big_public_netblock_needs_an_admin(
    api: Any, web_world: World, db_session: Session
) -> None:
    alice = _token(db_session, web_world.alice)
    url = f"/api/v1/hosts/{web_world.host_a.id}/netblocks"
    r = api.post(url, headers=alice, json={"netblock": "8.0.0.0/8"})
    assert r.status_code == 403 and "administrator" in r.get_json()["error"]
    r = api.post(url, headers=alice, json={"netblock": "10.0.0.1/8"})
    assert r.status_code == 422 and r.get_json()["field"] == "netblock"


def test_tokens_for_the_callers_own_user(api: Any, web_world: World, db_session: Session) -> None:
    alice = _token(db_session, web_world.alice)
    r = api.post("/api/v1/tokens", headers=alice, json={"name": "ci", "expires_days": 7})
    assert r.status_code == 201
    made = r.get_json()
    assert made["token"].startswith("mmt_") and made["expires_at"]
    second = {"Authorization": f"Bearer {made['token']}"}
    names = [t["name"] for t in api.get("/api/v1/tokens", headers=second).get_json()["tokens"]]
    assert names == ["test", "ci"]
    assert (
        api.post("/api/v1/tokens", headers=alice, json={"name": "x", "user": "bob"}).status_code
        == 400
    )
    assert api.post("/api/v1/tokens", headers=alice, json={"name": ""}).status_code == 422
    bob = _token(db_session, web_world.bob)
    assert api.delete(f"/api/v1/tokens/{made['id']}", headers=bob).status_code == 404
    assert api.delete(f"/api/v1/tokens/{made['id']}", headers=alice).status_code == 204
    assert api.get("/api/v1/hosts", headers=second).status_code == 401


def test_expired_token_is_refused(api: Any, web_world: World, db_session: Session) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    expired = _token(db_session, web_world.alice, expires_at=past)
    r = api.get("/api/v1/hosts", headers=expired)
    assert r.status_code == 401 and "expired" in r.get_json()["detail"]
    future = _token(db_session, web_world.alice, expires_at=past + dt.timedelta(days=30))
    assert api.get("/api/v1/hosts", headers=future).status_code == 200


def test_token_with_expiry_from_the_account_page(
    web_client: Any, web_world: World, db_session: Session
) -> None:
    client = web_client(web_world.alice)
    page = client.post("/account/tokens", {"token-name": "ci", "token-expires_days": "30"})
    assert "mmt_" in page.get_data(as_text=True)
    row = db_session.scalars(select(m.ApiToken).where(m.ApiToken.name == "ci")).one()
    assert row.expires_at is not None
    assert "active until" in client.get("/account/").get_data(as_text=True)
    r = client.post("/account/tokens", {"token-name": "x", "token-expires_days": "0"})
    assert r.status_code == 302
    assert db_session.scalar(select(m.ApiToken).where(m.ApiToken.name == "x")) is None


def test_host_listing_costs_the_same_queries_for_any_number_of_hosts(
    api: Any, web_world: World, db_session: Session
) -> None:
    """GET /api/v1/hosts loads hosts, categories, URLs and items in a fixed number of
    queries (it was several per host), and says what the one-host presenter says."""
    from sqlalchemy import event

    from mirrormanager.manage import present
    from tests import factories as f

    root = _token(db_session, web_world.admin)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    def listing_queries() -> tuple[int, list[dict[str, Any]]]:
        statements.clear()
        engine = db_session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            r = api.get("/api/v1/hosts", headers=root)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert r.status_code == 200
        return len(statements), r.get_json()["hosts"]

    listing_queries()  # the first request of the app warms what it caches
    few, listed = listing_queries()
    assert len(listed) == 2
    for n in range(10):
        host = f.HostFactory(site=web_world.site_b, name=f"extra{n}.site-b.example.org")
        hc = f.HostCategoryFactory(host=host, category=web_world.category)
        f.HostCategoryUrlFactory(host_category=hc, url=f"https://extra{n}.example.org/epel")
        db_session.add(m.HostNetblock(host_id=host.id, netblock=f"198.51.{n}.0/24", name="n"))
    db_session.commit()
    many, listed = listing_queries()
    assert len(listed) == 12
    assert many == few, "the listing's queries grow with the number of hosts"
    by_name = {h["name"]: h for h in listed}
    single = present.host_dict(db_session, web_world.host_a, public=False)
    assert {k: v for k, v in by_name[web_world.host_a.name].items() if k != "state"} == single
    assert by_name["extra3.site-b.example.org"]["netblocks"][0]["netblock"] == "198.51.3.0/24"
