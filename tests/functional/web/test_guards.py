"""Guards (issue 15 item 4): delete pages say what else goes; the last administrator of a
site cannot be removed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from tests.functional.web.conftest import World


def test_delete_pages_count_what_goes_too(web_client: Callable[..., Any], web_world: World) -> None:
    alice = web_client(web_world.alice)
    site = alice.get(f"/sites/{web_world.site_a.id}/delete").get_data(as_text=True)
    assert "This also deletes:" in site
    for item in ("1 host", "1 carried category", "1 URL", "1 netblock", "1 administrator link"):
        assert f"<li>{item}</li>" in site, item
    host = alice.get(f"/hosts/{web_world.host_a.id}/delete").get_data(as_text=True)
    assert "<li>1 carried category</li>" in host and "<li>1 URL</li>" in host
    hc = alice.get(f"/host-categories/{web_world.hc_a.id}/delete").get_data(as_text=True)
    assert "<li>1 URL</li>" in hc and "<li>0 crawled directories</li>" in hc
    admin = web_client(web_world.admin)
    category = admin.get(f"/admin/categories/{web_world.category.id}/delete")
    text = category.get_data(as_text=True)
    assert "<li>2 hosts stop carrying it (2 carried categories)</li>" in text
    assert "<li>2 URLs</li>" in text


def test_the_last_admin_of_a_site_cannot_be_removed(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    link = db_session.scalars(
        select(m.SiteAdmin).where(m.SiteAdmin.site_id == web_world.site_a.id)
    ).one()
    url = f"/sites/{web_world.site_a.id}/admins/{link.id}/delete"
    alice = web_client(web_world.alice)
    for response in (alice.get(url), alice.post(url)):
        assert response.status_code == 302
    page = alice.get(f"/sites/{web_world.site_a.id}").get_data(as_text=True)
    assert "alice is the last administrator of site-a.example.org and cannot be removed" in page
    assert db_session.scalars(
        select(m.SiteAdmin).where(m.SiteAdmin.site_id == web_world.site_a.id)
    ).all()
    # With a second administrator, alice may leave.
    alice.post(f"/sites/{web_world.site_a.id}/admins", {"username": "bob"})
    assert alice.post(url).status_code == 302
    db_session.expire_all()
    names = db_session.scalars(
        select(m.User.username)
        .join(m.SiteAdmin, m.SiteAdmin.user_id == m.User.id)
        .where(m.SiteAdmin.site_id == web_world.site_a.id)
    ).all()
    assert names == ["bob"]
