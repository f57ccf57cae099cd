"""Crawl results in a real database (SQLite, and PostgreSQL when configured): failure
policy, auto-disable, re-enable, per-host transactions, always_up2date and the order and
slots hosts are crawled in."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import signal
import smtplib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mirrormanager.crawler import store as store_module
from mirrormanager.crawler.hostlog import read_crawl_log
from mirrormanager.crawler.model import CrawlOptions, HostPlan
from mirrormanager.crawler.notify import mail_notifier
from mirrormanager.crawler.plan import HostSelection, select_hosts
from mirrormanager.crawler.service import CrawlSummary, crawl
from mirrormanager.db.models import (
    CategoryDirectory,
    Host,
    HostCategory,
    HostCategoryDir,
    PropagationStat,
)
from mirrormanager.settings import Settings, load_settings
from tests import factories

REPOMD = b"<repomd>v2</repomd>"
Handler = Callable[[httpx.Request], Any]


@dataclasses.dataclass
class World:
    host: Host
    categories: list[HostCategory]
    dirs: dict[str, int]  # "<category index>:<relative path>" -> directory id


def make_world(session: Session, *, categories: int = 1, always: bool = False) -> World:
    host = factories.HostFactory(name="mirror.example.org", max_connections=2)
    hcs, dirs = [], {}
    for index in range(categories):
        top = factories.DirectoryFactory(name=f"pub/cat{index}")
        category = factories.CategoryFactory(name=f"Cat {index}", topdir=top)
        packages = factories.DirectoryFactory(
            name=f"pub/cat{index}/41/Packages", files=[{"name": "a.rpm", "size": 10, "mtime": 1}]
        )
        repo = factories.DirectoryFactory(name=f"pub/cat{index}/41")
        repodata = factories.DirectoryFactory(
            name=f"pub/cat{index}/41/repodata",
            files=[{"name": "repomd.xml", "size": len(REPOMD), "mtime": 1}],
        )
        factories.FileDetailFactory(
            directory=repodata, sha256=hashlib.sha256(REPOMD).hexdigest(), timestamp=100
        )
        factories.RepositoryFactory(directory=repo, category=category)
        for directory in (top, packages, repo, repodata):
            session.add(CategoryDirectory(category_id=category.id, directory_id=directory.id))
        hc = factories.HostCategoryFactory(host=host, category=category, always_up2date=always)
        factories.HostCategoryUrlFactory(
            host_category=hc, url=f"http://mirror.example.org/pub/cat{index}"
        )
        hcs.append(hc)
        for directory in (top, packages, repo, repodata):
            dirs[f"{index}:{directory.name.removeprefix(f'pub/cat{index}').strip('/')}"] = (
                directory.id
            )
    session.commit()
    return World(host, hcs, dirs)


def good_mirror(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("repomd.xml"):
        return httpx.Response(200, content=REPOMD)
    if path.endswith("a.rpm"):
        return httpx.Response(200, headers={"Content-Length": "10"})
    return httpx.Response(200)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def factory(handler: Handler) -> Callable[[HostPlan, CrawlOptions], httpx.AsyncClient]:
    def make(host: HostPlan, options: CrawlOptions) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(handler))

    return make


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(load_settings(env={}).settings, log_dir=tmp_path / "log")


def run(session: Session, settings: Settings, handler: Handler, **options: Any) -> CrawlSummary:
    values: dict[str, Any] = {"log_dir": settings.log_dir, "now": 1000, **options}
    return crawl(
        session,
        HostSelection(),
        CrawlOptions(**values),
        notify=mail_notifier(settings),
        client_factory=factory(handler),
    )


def rows(session: Session, hc: HostCategory) -> dict[int, bool]:
    session.expire_all()
    return dict(
        session.execute(
            select(HostCategoryDir.directory_id, HostCategoryDir.up2date).where(
                HostCategoryDir.host_category_id == hc.id
            )
        ).all()
    )


def test_a_good_crawl_creates_current_rows_log_and_propagation(
    db_session: Session, settings: Settings
) -> None:
    world = make_world(db_session)
    summary = run(db_session, settings, good_mirror)
    assert [h.status for h in summary.hosts] == ["ok"]
    assert rows(db_session, world.categories[0]) == {d: True for d in world.dirs.values()}
    host = db_session.get(Host, world.host.id)
    assert host is not None
    assert host.last_crawled is not None and host.last_crawl_requests == 3
    assert host.last_crawl_duration is not None and host.crawl_failures == 0
    assert "finished: ok" in read_crawl_log(settings, world.host.id)
    stats = db_session.scalars(select(PropagationStat)).all()
    assert [(s.current, s.older, s.failed) for s in stats] == [(1, 0, 0)]


def test_auto_disable_after_n_failures_and_notification(
    db_session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            pass

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def send_message(self, message: Any) -> None:
            sent.append(message)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings = dataclasses.replace(settings, smtp_server="smtp.example.org", admin_email="a@x")
    world = make_world(db_session)
    world.host.robot_email = "robot@mirror.example.org"
    db_session.commit()
    for attempt in range(1, 4):
        summary = run(db_session, settings, refused, auto_disable=3)
        assert summary.hosts[0].status == "failed"
        host = db_session.get(Host, world.host.id)
        assert host is not None and host.crawl_failures == attempt
        assert host.user_active is (attempt < 3)
    assert host.disabled_by_crawler and host.disable_reason
    assert "3 consecutive failed crawls" in host.disable_reason
    assert "refused" in (host.last_crawl_error or "")
    assert len(sent) == 1 and "robot@mirror.example.org" in sent[0]["To"]
    # A crawler-disabled host is still crawled, and a good crawl brings it back.
    run(db_session, settings, good_mirror)
    db_session.expire_all()
    assert host.user_active and not host.disabled_by_crawler and host.disable_reason is None
    assert host.crawl_failures == 0


def test_an_admin_disabled_host_is_never_re_enabled(
    db_session: Session, settings: Settings
) -> None:
    world = make_world(db_session)
    world.host.user_active = False
    world.host.disable_reason = "disabled by its admin"
    db_session.commit()
    summary = run(db_session, settings, good_mirror)
    assert summary.total == 0
    db_session.expire_all()
    assert world.host.user_active is False
    assert world.host.disable_reason == "disabled by its admin"


def test_a_failed_category_keeps_its_verdicts(db_session: Session, settings: Settings) -> None:
    world = make_world(db_session, categories=2)
    run(db_session, settings, good_mirror)
    before = rows(db_session, world.categories[1])
    assert before and all(before.values())

    def half(request: httpx.Request) -> httpx.Response:
        if "/pub/cat1" in request.url.path:
            raise httpx.ConnectError("refused", request=request)
        if request.url.path.endswith("a.rpm"):
            return httpx.Response(404)
        return good_mirror(request)

    summary = run(db_session, settings, half)
    assert summary.hosts[0].status == "ok"  # one category could be judged
    assert rows(db_session, world.categories[1]) == before
    assert rows(db_session, world.categories[0])[world.dirs["0:41/Packages"]] is False
    # A crawl that fails completely changes no verdict at all.
    all_rows = [rows(db_session, hc) for hc in world.categories]
    assert run(db_session, settings, refused).hosts[0].status == "failed"
    assert [rows(db_session, hc) for hc in world.categories] == all_rows


def test_results_are_one_transaction_per_host(
    db_session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(db_session)
    original = store_module._update

    def failing(session: Session, row_ids: Any, values: Any) -> None:
        original(session, row_ids, values)
        raise OperationalError("UPDATE", {}, Exception("database went away"))

    monkeypatch.setattr(store_module, "_update", failing)
    summary = run(db_session, settings, good_mirror)
    assert summary.not_stored == ["mirror.example.org"] and not summary.ok
    db_session.expire_all()
    host = db_session.get(Host, world.host.id)
    assert host is not None and host.last_crawled is None
    assert rows(db_session, world.categories[0]) == {}


def test_always_up2date_hosts_are_not_crawled(db_session: Session, settings: Settings) -> None:
    world = make_world(db_session, always=True)
    world.host.crawl_failures = 2
    db_session.commit()

    def forbidden(request: httpx.Request) -> httpx.Response:
        raise AssertionError("an always_up2date category was crawled")

    summary = run(db_session, settings, forbidden)
    assert summary.hosts[0].status == "ok" and summary.hosts[0].requests == 0
    db_session.expire_all()
    assert world.host.crawl_failures == 0


def test_host_time_limit_marks_unfinished_categories_stale(
    db_session: Session, settings: Settings
) -> None:
    world = make_world(db_session)
    run(db_session, settings, good_mirror)

    async def hung(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    summary = run(db_session, settings, hung, host_timeout=0.3)
    line = summary.hosts[0]
    assert line.status == "timeout" and line.seconds < 2
    assert "time limit" in (line.reason or "")
    assert not any(rows(db_session, world.categories[0]).values())
    db_session.expire_all()
    assert world.host.crawl_failures == 1


def test_selection_by_ids_shard_names_and_privacy(db_session: Session, settings: Settings) -> None:
    world = make_world(db_session)
    other = factories.HostFactory(name="private.example.org", private=True)
    factories.HostCategoryFactory(host=other, category=world.categories[0].category)
    db_session.commit()

    def selected(**selection: Any) -> list[str]:
        summary = crawl(
            db_session,
            HostSelection(**selection),
            CrawlOptions(log_dir=None, record_propagation=False),
            client_factory=factory(good_mirror),
        )
        return sorted(h.name for h in summary.hosts)

    assert selected() == ["mirror.example.org"]
    assert selected(include_private=True) == ["mirror.example.org", "private.example.org"]
    assert selected(start_id=world.host.id + 1, include_private=True) == ["private.example.org"]
    assert selected(stop_id=world.host.id) == []
    assert selected(names=("nope",)) == []
    k = world.host.id % 2 + 1
    assert selected(shard=(k, 2)) == ["mirror.example.org"]
    assert selected(shard=(3 - k, 2)) == []
    assert selected(categories=("Cat 0",)) == ["mirror.example.org"]
    assert selected(categories=("Other",)) == []


def hung_world(db_session: Session) -> tuple[World, Any, Any]:
    """A good mirror and `hung.example.org`, whose first request gets SIGTERM sent."""
    first = make_world(db_session)
    second_host = factories.HostFactory(name="hung.example.org")
    hc = factories.HostCategoryFactory(host=second_host, category=first.categories[0].category)
    factories.HostCategoryUrlFactory(host_category=hc, url="http://hung.example.org/pub/cat0")
    db_session.commit()
    return first, second_host, hc


async def signalling_handler(request: httpx.Request) -> httpx.Response:
    """The hung host sends this process SIGTERM, then never answers."""
    if request.url.host == "hung.example.org":
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(30)
    return good_mirror(request)


def test_sigterm_leaves_every_host_stored_or_untouched(
    db_session: Session, settings: Settings
) -> None:
    first, second_host, hc = hung_world(db_session)
    # No host ahead of its slot: the hung one starts once the first is stored.
    summary = run(db_session, settings, signalling_handler, concurrency=1, hosts_ahead=0)
    assert summary.interrupted and summary.abandoned == 1 and summary.not_started == 0
    assert [h.name for h in summary.hosts] == ["mirror.example.org"]
    db_session.expire_all()
    assert first.host.last_crawled is not None
    assert second_host.last_crawled is None and rows(db_session, hc) == {}
    assert db_session.scalars(select(PropagationStat)).all() == []


def test_sigterm_with_hosts_ahead_of_their_slot(db_session: Session, settings: Settings) -> None:
    first, second_host, hc = hung_world(db_session)
    # Both hosts start at once; the signal comes while the first may be anywhere.
    summary = run(db_session, settings, signalling_handler, concurrency=1)
    assert summary.interrupted and summary.not_started == 0
    assert len(summary.hosts) + summary.abandoned == 2
    assert "hung.example.org" not in [h.name for h in summary.hosts]
    db_session.expire_all()
    stored = [h.name for h in summary.hosts]
    assert (first.host.last_crawled is not None) is ("mirror.example.org" in stored)
    assert second_host.last_crawled is None and rows(db_session, hc) == {}


def test_a_host_that_does_not_answer_holds_no_crawl_slot(
    db_session: Session, settings: Settings
) -> None:
    world = make_world(db_session)
    silent = factories.HostFactory(name="silent.example.org", crawl_failures=1)  # goes first
    hc = factories.HostCategoryFactory(host=silent, category=world.categories[0].category)
    factories.HostCategoryUrlFactory(host_category=hc, url="http://silent.example.org/pub/cat0")
    db_session.commit()
    other_crawled = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "silent.example.org":
            await other_crawled.wait()  # answers once the other host has been crawled
        elif request.url.path.endswith("repomd.xml"):
            other_crawled.set()
        return good_mirror(request)

    # One slot: were it taken by the silent host's first request, the other host could
    # not start, and the silent one would run out of time.
    summary = run(db_session, settings, handler, concurrency=1, host_timeout=5)
    assert {h.name: h.status for h in summary.hosts} == {
        "silent.example.org": "ok",
        "mirror.example.org": "ok",
    }


def test_hosts_whose_last_crawl_failed_come_first_then_the_slowest(
    db_session: Session,
) -> None:
    for name, failures, duration in [
        ("a", 0, 10.0),
        ("b", 0, None),
        ("c", 2, 5.0),
        ("d", 0, 50.0),
        ("e", 1, None),
        ("f", 0, 10.0),
    ]:
        factories.HostFactory(name=name, crawl_failures=failures, last_crawl_duration=duration)
    db_session.commit()
    names = [h.name for h in select_hosts(db_session, HostSelection())]
    assert names == ["e", "c", "b", "d", "a", "f"]


def test_full_crawls_record_their_duration_even_when_failed(
    db_session: Session, settings: Settings
) -> None:
    world = make_world(db_session)
    run(db_session, settings, refused)
    db_session.expire_all()
    assert world.host.crawl_failures == 1 and world.host.last_crawl_duration is not None
    world.host.last_crawl_duration = None
    db_session.commit()
    run(db_session, settings, good_mirror, repodata_only=True)
    db_session.expire_all()
    assert world.host.crawl_failures == 0 and world.host.last_crawl_duration is None


def test_a_crash_on_one_host_is_reported_and_spares_the_others(
    db_session: Session, settings: Settings
) -> None:
    first = make_world(db_session)
    other = factories.HostFactory(name="buggy.example.org")
    hc = factories.HostCategoryFactory(host=other, category=first.categories[0].category)
    factories.HostCategoryUrlFactory(host_category=hc, url="http://buggy.example.org/pub/cat0")
    db_session.commit()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "buggy.example.org":
            raise RuntimeError("a bug, not a mirror problem")
        return good_mirror(request)

    summary = run(db_session, settings, handler)
    statuses = {h.name: h.status for h in summary.hosts}
    assert statuses == {"mirror.example.org": "ok", "buggy.example.org": "error"}
    assert summary.not_stored == ["buggy.example.org"] and not summary.ok
    db_session.expire_all()
    assert other.last_crawled is None and other.crawl_failures == 0
