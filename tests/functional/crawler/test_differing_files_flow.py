"""Per-file precision from the crawl's verdicts to the server's answer, on a real database:
store_outcome -> HostCategoryDir.differing_files -> build_snapshot -> codec -> resolve_path."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mirrormanager.core.selection_index import SelectionIndex
from mirrormanager.core.targets import LookupFailure, resolve_path
from mirrormanager.crawler.compare import master_files
from mirrormanager.crawler.model import (
    CategoryOutcome,
    CategoryPlan,
    CrawlOptions,
    DirPlan,
    HostOutcome,
    HostPlan,
    HostStatus,
)
from mirrormanager.crawler.store import store_outcome
from mirrormanager.db import models
from mirrormanager.formats.snapshot_codec import decode, encode
from mirrormanager.settings import Settings
from mirrormanager.snapshot.build import build_snapshot
from tests import factories as f

FILES = [
    {"name": "a.rpm", "size": 10, "mtime": 1_000},
    {"name": "b.rpm", "size": 20, "mtime": 1_000},
    {"name": "c.rpm", "size": 30, "mtime": 1_000},
]
CRAWLED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def session(db_session: Session) -> Session:
    f.bind(db_session)
    return db_session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(Settings(), snapshot_file=str(tmp_path / "s.snap"))


def outcome(m: f.Mirror, directory: models.Directory, verdict: bool, *names: str) -> HostOutcome:
    plan = CategoryPlan(
        host_category_id=m.hc.id,
        category_id=m.hc.category_id,
        name="cat",
        urls=(m.url.url,),
        always_up2date=False,
        dirs=(DirPlan(directory.id, "Packages", master_files(directory.files)),),
    )
    category = CategoryOutcome(plan=plan, ok=True, url=m.url.url, complete=True)
    category.verdicts = {directory.id: verdict}
    if names:
        category.differing = {directory.id: names}
    host = HostPlan(m.host.id, m.host.name, "site", 2, (plan,))
    return HostOutcome(host=host, status=HostStatus.OK, categories=[category])


def row(session: Session, m: f.Mirror) -> models.HostCategoryDir:
    session.expire_all()
    found = session.scalar(
        select(models.HostCategoryDir).where(models.HostCategoryDir.host_category_id == m.hc.id)
    )
    assert found is not None
    return found


def carriers(session: Session, settings: Settings, path: str) -> list[str]:
    session.flush()
    snap = decode(encode(build_snapshot(session, settings, serial=1, now=1_800_000_000)))
    index = SelectionIndex(snap)
    target = resolve_path(index.snapshot, path, metalink=False)
    return sorted(snap.hosts[h].name for h, _ in target.hosts)


def test_a_partial_copy_serves_its_other_files_until_it_is_complete(
    session: Session, settings: Settings
) -> None:
    t = f.tree("Packages")
    packages = t.dirs["Packages"]
    packages.files = FILES
    current = f.mirror(t, ["Packages"], name="current.example")
    partial = f.mirror(t, [], name="partial.example")  # no row yet: first crawl
    store_outcome(session, outcome(partial, packages, False, "b.rpm"), CrawlOptions(), CRAWLED)
    stored = row(session, partial)
    assert (stored.up2date, stored.differing_files) == (False, ["b.rpm"])
    a, b = f"{packages.name}/a.rpm", f"{packages.name}/b.rpm"
    assert carriers(session, settings, a) == ["current.example", "partial.example"]
    assert carriers(session, settings, b) == ["current.example"]
    assert carriers(session, settings, packages.name) == ["current.example"]
    # the next crawl finds more missing than the limit allows: unavailable as a whole
    store_outcome(session, outcome(partial, packages, False), CrawlOptions(), CRAWLED)
    assert row(session, partial).differing_files is None
    assert carriers(session, settings, a) == ["current.example"]
    # then it catches up
    store_outcome(session, outcome(partial, packages, True), CrawlOptions(), CRAWLED)
    stored = row(session, partial)
    assert (stored.up2date, stored.differing_files) == (True, None)
    assert carriers(session, settings, b) == ["current.example", "partial.example"]
    assert current.hc.id != partial.hc.id


def test_a_lowered_limit_applies_to_stored_lists(session: Session, settings: Settings) -> None:
    t = f.tree("Packages")
    packages = t.dirs["Packages"]
    packages.files = FILES
    partial = f.mirror(t, [], name="partial.example")
    store_outcome(
        session, outcome(partial, packages, False, "b.rpm", "c.rpm"), CrawlOptions(), CRAWLED
    )
    a = f"{packages.name}/a.rpm"
    assert carriers(session, settings, a) == ["partial.example"]
    strict = dataclasses.replace(settings, crawler_max_differing_files=1)
    with pytest.raises(LookupFailure):  # nobody carries anything there: an unknown path
        carriers(session, strict, a)


def test_a_file_newer_than_the_last_verdict_is_not_promised(
    session: Session, settings: Settings
) -> None:
    t = f.tree("Packages")
    packages = t.dirs["Packages"]
    checked = int(CRAWLED.timestamp())
    later = checked + 3600
    packages.files = [*FILES, {"name": "d.rpm", "size": 40, "mtime": later}]
    packages.ctime = later  # the scanner saw the directory change after the crawl
    early = f.mirror(t, ["Packages"], name="early.example")
    fresh = f.mirror(t, ["Packages"], name="fresh.example")
    f.mirror(t, ["Packages"], name="legacy.example")  # no verdict time: trusted
    session.flush()
    for m, when in ((early, CRAWLED), (fresh, CRAWLED + dt.timedelta(hours=2))):
        session.execute(
            update(models.HostCategoryDir)
            .where(models.HostCategoryDir.host_category_id == m.hc.id)
            .values(last_checked=when)
        )
    new, old = f"{packages.name}/d.rpm", f"{packages.name}/a.rpm"
    assert carriers(session, settings, new) == ["fresh.example", "legacy.example"]
    assert carriers(session, settings, old) == ["early.example", "fresh.example", "legacy.example"]
    assert carriers(session, settings, packages.name) == [
        "early.example",
        "fresh.example",
        "legacy.example",
    ]
