"""One truthful state per host (issue 15 item 1), the same on the host page, the site page,
"My sites", the admin list and the API; the admins' one-step Disable (item 4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.security import new_api_token
from tests.functional.web.conftest import World


def _pages(w: World) -> list[str]:
    return ["/sites/", f"/sites/{w.site_a.id}", f"/hosts/{w.host_a.id}"]


def _api_state(web_client: Callable[..., Any], db: Session, w: World) -> dict[str, Any]:
    token, token_hash = new_api_token()
    db.add(m.ApiToken(user_id=w.alice.id, name="t", token_hash=token_hash))
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    one = web_client(None).get(f"/api/v1/hosts/{w.host_a.id}", headers=headers).json["state"]
    listed = web_client(None).get("/api/v1/hosts", headers=headers).json["hosts"]
    assert [h["state"] for h in listed if h["id"] == w.host_a.id] == [one]
    return dict(one)


def test_crawler_disabled_host_reads_the_same_everywhere(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    host = web_world.host_a
    host.user_active = False
    host.disabled_by_crawler = True
    host.crawl_failures = 4
    host.last_crawl_error = "Fedora EPEL: https://mirror.site-a.example.org/epel/: refused"
    db_session.commit()
    alice = web_client(web_world.alice)
    for url in _pages(web_world):
        page = alice.get(url).get_data(as_text=True)
        assert "disabled by the crawler" in page, url
        assert "disabled by you" not in page, url
    host_page = alice.get(f"/hosts/{host.id}").get_data(as_text=True)
    assert "After 4 failed crawls in a row" in host_page and "refused" in host_page
    admin_list = web_client(web_world.admin).get("/admin/hosts").get_data(as_text=True)
    assert "disabled by the crawler" in admin_list
    state = _api_state(web_client, db_session, web_world)
    assert state["code"] == "disabled_by_crawler" and state["offered"] is False


def test_never_crawled_and_stale_are_told_apart(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    alice = web_client(web_world.alice)
    assert "never crawled" in alice.get(f"/hosts/{web_world.host_a.id}").get_data(as_text=True)
    host = db_session.get(m.Host, web_world.host_a.id)  # the app's requests detached it
    assert host is not None
    host.last_crawled = dt.datetime(2026, 11, 30, 12, 0)
    directory = m.Directory(name="pub/epel/9", files=[])
    db_session.add(directory)
    db_session.flush()
    db_session.add(
        m.HostCategoryDir(
            host_category_id=web_world.hc_a.id, directory_id=directory.id, path="9", up2date=False
        )
    )
    db_session.commit()
    page = alice.get(f"/hosts/{web_world.host_a.id}").get_data(as_text=True)
    assert "1 of 1 directories of Fedora EPEL" in page
    sites = alice.get("/sites/").get_data(as_text=True)
    assert "1 stale" in sites  # the health summary of My sites
    assert _api_state(web_client, db_session, web_world)["stale"] == [
        {"category": "Fedora EPEL", "stale": 1, "total": 1}
    ]


def test_admin_disables_in_one_step_and_the_mirror_admin_sees_why(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    admin = web_client(web_world.admin)
    url = f"/admin/hosts/{web_world.host_a.id}/switch"
    form = admin.get(url).get_data(as_text=True)
    assert "Disable host" in form and 'value="disable"' in form
    assert "admin_active" not in form  # no pre-ticked "enabled" box to untick
    refused = admin.post(url, {"action": "disable", "reason": ""})
    assert refused.status_code == 200 and "Say why" in refused.get_data(as_text=True)
    assert admin.post(url, {"action": "disable", "reason": "serves old content"}).status_code == 302
    db_session.expire_all()
    host = db_session.get(m.Host, web_world.host_a.id)
    assert host is not None and not host.admin_active
    alice = web_client(web_world.alice)
    for page in _pages(web_world)[1:]:
        text = alice.get(page).get_data(as_text=True)
        assert "disabled by the admins: serves old content" in text, page
    assert "1 disabled by the admins" in alice.get("/sites/").get_data(as_text=True)
    # The same page, left open, does not flip the switch back.
    again = admin.post(url, {"action": "disable", "reason": "still old"})
    assert again.status_code == 302
    db_session.expire_all()
    assert not db_session.get(m.Host, web_world.host_a.id).admin_active  # type: ignore[union-attr]
    enable = admin.get(url).get_data(as_text=True)
    assert "Enable host" in enable and 'value="enable"' in enable
    admin.post(url, {"action": "enable"})
    db_session.expire_all()
    assert db_session.get(m.Host, web_world.host_a.id).admin_active  # type: ignore[union-attr]


def test_admins_change_always_up2date_of_a_carried_category(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    url = f"/host-categories/{web_world.hc_a.id}/edit"
    assert web_client(web_world.alice).post(url, {"always_up2date": "y"}).status_code == 403
    assert web_client(web_world.admin).post(url, {"always_up2date": "y"}).status_code == 302
    db_session.expire_all()
    hc = db_session.get(m.HostCategory, web_world.hc_a.id)
    assert hc is not None and hc.always_up2date
    log = db_session.scalars(select(m.AuditLog).where(m.AuditLog.object_type == "HostCategory"))
    assert any(row.details.get("changes") for row in log)
    page = web_client(web_world.alice).get(f"/hosts/{web_world.host_a.id}").get_data(as_text=True)
    assert "(always up to date)" in page
