"""Check now (issue 15 item 2): the real crawler against a real HTTP mirror on loopback,
through the host page and POST /api/v1/hosts/{id}/check; one check at a time per host and
a rate limit; a successful check brings back a host the crawler disabled."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from mirrormanager.db import models as m
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.web import accounts, checks
from mirrormanager.web.app import create_app
from mirrormanager.web.security import new_api_token, password_fingerprint
from tests.functional.web.check_world import (
    Switch,
    add_mirror_host,
    scanned_master,
    switchable_mirror,
)


@dataclasses.dataclass
class CheckWorld:
    app: Flask
    factory: sessionmaker[Any]
    host_id: int
    alice_id: int
    token: str
    switch: Switch
    settings: Any


@pytest.fixture
def world(tmp_path: Path, file_db: str) -> Iterator[CheckWorld]:
    settings, mirror = scanned_master(tmp_path, file_db)
    engine = make_engine(file_db)
    factory = make_session_factory(engine)
    switch = Switch()
    with switchable_mirror(mirror, switch) as port, factory() as session:
        site = m.Site(name="site-a")
        session.add(site)
        session.flush()
        alice = accounts.create_user(session, "alice", password="a long password 1")
        session.add(m.SiteAdmin(site_id=site.id, user_id=alice.id))
        host = add_mirror_host(session, site, "mirror.site-a.example", port)
        token, token_hash = new_api_token()
        session.add(m.ApiToken(user_id=alice.id, name="t", token_hash=token_hash))
        session.commit()
        app = create_app(settings, session_factory=factory)
        app.config["TESTING"] = True

        def inline(job_id: int, host_id: int) -> None:  # the thread's work, synchronously
            with factory() as own:
                checks.run_check(own, settings, job_id, host_id)

        app.extensions["mm_check_runner"] = inline
        yield CheckWorld(app, factory, host.id, alice.id, token, switch, settings)
    engine.dispose()


def _api(w: CheckWorld) -> dict[str, str]:
    return {"Authorization": f"Bearer {w.token}"}


def _host(w: CheckWorld) -> m.Host:
    with w.factory() as session:
        host = session.get(m.Host, w.host_id)
        assert host is not None
        session.expunge(host)
        return host


def test_api_check_crawls_the_host_and_reports_per_url(world: CheckWorld) -> None:
    client = world.app.test_client()
    response = client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world))
    assert response.status_code == 202
    assert response.json["poll"] == f"/api/v1/hosts/{world.host_id}/checks"
    checks_ = client.get(response.json["poll"], headers=_api(world)).json["checks"]
    assert len(checks_) == 1
    job = checks_[0]
    assert job["status"] == "ok" and job["requested_by"] == "alice"
    [url] = job["urls"]
    assert url["result"] == "ok" and url["url"].endswith("/pub/epel")
    assert "directories via" in url["detail"]
    assert _host(world).last_crawled is not None
    state = client.get(f"/api/v1/hosts/{world.host_id}", headers=_api(world)).json["state"]
    assert state["code"] == "enabled" and state["offered"] is True


def test_a_failing_check_says_why_per_url(world: CheckWorld) -> None:
    world.switch.up = False
    client = world.app.test_client()
    client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world))
    [job] = client.get(f"/api/v1/hosts/{world.host_id}/checks", headers=_api(world)).json["checks"]
    assert job["status"] == "failed"
    assert job["urls"][0]["result"] == "failed" and "503" in job["urls"][0]["detail"]
    assert _host(world).crawl_failures == 1


def test_one_check_at_a_time_and_rate_limited(world: CheckWorld) -> None:
    client = world.app.test_client()
    with world.factory() as session:  # a check another worker is running
        session.add(m.JobRun(job=checks.job_name(world.host_id), status="running"))
        session.commit()
    busy = client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world))
    assert busy.status_code == 429 and "is running" in busy.json["detail"]
    with world.factory() as session:
        for job in session.scalars(select(m.JobRun)):
            job.status = "ok"
        session.commit()
    world.app.config["MM_SETTINGS"] = dataclasses.replace(
        world.settings, web_check_min_interval=600.0
    )
    limited = client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world))
    assert limited.status_code == 429
    assert "web_check_min_interval" in limited.json["detail"]
    with world.factory() as session:
        assert session.scalar(select(m.JobRun.id).where(m.JobRun.status == "queued")) is None


def test_an_abandoned_check_does_not_block_forever(world: CheckWorld) -> None:
    import datetime as dt

    with world.factory() as session:
        old = checks.utcnow() - dt.timedelta(
            minutes=world.settings.crawler_host_timeout_minutes + 2
        )
        session.add(m.JobRun(job=checks.job_name(world.host_id), status="running", started_at=old))
        session.commit()
    client = world.app.test_client()
    assert (
        client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world)).status_code == 202
    )


def test_check_now_brings_back_a_host_the_crawler_disabled(world: CheckWorld) -> None:
    world.switch.up = False
    client = world.app.test_client()
    for _ in range(world.settings.crawler_auto_disable):
        client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world))
    host = _host(world)
    assert host.disabled_by_crawler and not host.user_active
    state = client.get(f"/api/v1/hosts/{world.host_id}", headers=_api(world)).json["state"]
    assert state["code"] == "disabled_by_crawler" and not state["offered"]

    world.switch.up = True
    with client.session_transaction() as sess:  # the host page's button, as alice
        sess["uid"] = world.alice_id
        with world.factory() as session:
            alice = session.get(m.User, world.alice_id)
            assert alice is not None
            sess["pwf"] = password_fingerprint(alice.password_hash)
    world.app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"/hosts/{world.host_id}/check")
    assert response.status_code == 302 and response.location.endswith("#check")
    page = client.get(f"/hosts/{world.host_id}").get_data(as_text=True)
    assert "the host is enabled again" in page
    host = _host(world)
    assert host.user_active and not host.disabled_by_crawler and host.crawl_failures == 0


def test_the_last_five_crawl_logs_are_browsable(world: CheckWorld) -> None:
    client = world.app.test_client()
    for up in (False, True):
        world.switch.up = up
        client.post(f"/api/v1/hosts/{world.host_id}/check", headers=_api(world))
    with client.session_transaction() as sess:
        sess["uid"] = world.alice_id
        with world.factory() as session:
            alice = session.get(m.User, world.alice_id)
            assert alice is not None
            sess["pwf"] = password_fingerprint(alice.password_hash)
    newest = client.get(f"/hosts/{world.host_id}/crawl-logs/0").get_data(as_text=True)
    older = client.get(f"/hosts/{world.host_id}/crawl-logs/1").get_data(as_text=True)
    assert "finished: ok" in newest and "finished: failed" in older
    assert client.get(f"/hosts/{world.host_id}/crawl-logs/5").status_code == 404
