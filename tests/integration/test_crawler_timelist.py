"""Full HTTP crawls against real HTTP servers whose trees carry a fullfiletimelist: one
GET of the list replaces the HEAD per file, and the verdicts stay the same."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import CrawlSummary, crawl
from mirrormanager.db.models import (
    Category,
    CategoryDirectory,
    Directory,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    Site,
)
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.scanner.service import scan
from mirrormanager.settings import Settings, load_settings
from tests.demo_changes import publish_update
from tests.integration import mirror_servers as servers
from tests.timelists import write_timelist

FEDORA = "pub/fedora/linux"
LIST = "pub/fedora/fullfiletimelist-fedora"
UPDATES = "updates/41/Everything/x86_64"
ISO_DIR = "releases/41/Server/x86_64/iso"
MIRRORS = ("good", "stale", "partial", "nolist", "garbage")


def publish_list(root: Path) -> None:
    write_timelist(str(root / FEDORA), str(root / LIST), prefix="linux/")


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("timelist-trees")
    master, stale = root / "master", root / "stale"
    build_demo_tree(master)
    shutil.copytree(master, stale, symlinks=True)
    publish_list(stale)  # the list as it was before the push
    publish_update(master, f"{FEDORA}/{UPDATES}")
    publish_list(master)
    trees = {"master": master, "stale": stale}
    for name in ("good", "partial", "nolist", "garbage"):
        trees[name] = root / name
        shutil.copytree(master, trees[name], symlinks=True)  # with the master's list
    next((trees["partial"] / FEDORA / ISO_DIR).glob("*netinst*.iso")).unlink()
    publish_list(trees["partial"])  # its own list says the ISO is missing
    (trees["nolist"] / LIST).unlink()
    (trees["garbage"] / LIST).write_bytes(b"<html>500 Internal Server Error</html>\n")
    return trees


@pytest.fixture(scope="module")
def ports(trees: dict[str, Path]) -> Iterator[dict[str, int]]:
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(servers.http_server(trees[name])) for name in MIRRORS}


def scanned(session: Session, master: Path, tmp: Path) -> Settings:
    base = load_settings(env={}).settings
    settings = dataclasses.replace(base, master_prefix=master, data_dir=tmp, log_dir=tmp)
    result = scan(session, settings)
    assert result.ok
    session.commit()
    return settings


def add_hosts(session: Session, ports: dict[str, int]) -> dict[str, Host]:
    category = session.scalars(select(Category).where(Category.name == "Fedora Linux")).one()
    hosts = {}
    for name, port in ports.items():
        site = Site(name=f"site-{name}")
        host = Host(site=site, name=name, country="DE", max_connections=4)
        hc = HostCategory(host=host, category=category)
        url = HostCategoryUrl(host_category=hc, url=f"http://127.0.0.1:{port}/{FEDORA}")
        session.add_all([site, host, hc, url])
        hosts[name] = host
    session.commit()
    return hosts


def current_paths(session: Session, host: Host) -> set[str]:
    return set(
        session.scalars(
            select(HostCategoryDir.path)
            .join(HostCategory, HostCategoryDir.host_category_id == HostCategory.id)
            .where(HostCategory.host_id == host.id, HostCategoryDir.up2date)
        )
    )


def fedora_dirs(session: Session) -> set[str]:
    names = session.scalars(
        select(Directory.name)
        .join(CategoryDirectory, CategoryDirectory.directory_id == Directory.id)
        .join(Category, Category.id == CategoryDirectory.category_id)
        .where(Category.name == "Fedora Linux", Directory.readable)
    )
    return {name.removeprefix(FEDORA).strip("/") for name in names}


def run(session: Session, settings: Settings, **options: object) -> CrawlSummary:
    values: dict[str, object] = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "host_timeout": 30.0,
        "max_response_bytes": 1 << 20,
        "log_dir": settings.log_dir,
        "record_propagation": False,
        "master_prefix": settings.master_prefix,
        **options,
    }
    return crawl(session, HostSelection(), CrawlOptions(**values))  # type: ignore[arg-type]


def test_mirror_lists_replace_heads_with_the_same_verdicts(
    db_session: Session, trees: dict[str, Path], ports: dict[str, int], tmp_path: Path
) -> None:
    assert (trees["good"] / LIST).read_bytes() == (trees["master"] / LIST).read_bytes()
    settings = scanned(db_session, trees["master"], tmp_path)
    hosts = add_hosts(db_session, ports)
    repodata_dirs = db_session.scalar(
        select(func.count())
        .select_from(Directory)
        .where(Directory.name.like(f"{FEDORA}/%/repodata"), Directory.readable)
    )
    everything = fedora_dirs(db_session)
    pushed = {f"{UPDATES}/repodata", f"{UPDATES}/Packages/m"}
    expected = {
        "good": everything,
        "stale": everything - pushed,
        "partial": everything - {ISO_DIR},
        "nolist": everything,
        "garbage": everything,
    }

    with_lists = run(db_session, settings)
    assert {h.name: h.status for h in with_lists.hosts} == dict.fromkeys(MIRRORS, "ok")
    assert {name: current_paths(db_session, host) for name, host in hosts.items()} == expected
    listed = {h.name: h.requests for h in with_lists.hosts}

    db_session.execute(HostCategoryDir.__table__.delete())
    db_session.commit()
    with_heads = run(db_session, settings, use_timelist=False)
    assert {name: current_paths(db_session, host) for name, host in hosts.items()} == expected
    headed = {h.name: h.requests for h in with_heads.hosts}

    # The list, then one repomd.xml GET per repository: no base HEAD, no HEAD per file.
    assert listed["good"] == 1 + repodata_dirs
    assert listed["stale"] == 1 + repodata_dirs
    assert listed["partial"] == 1 + repodata_dirs
    # No list (404) or garbage: the HEAD-per-file crawl, plus the one GET that found out.
    assert listed["nolist"] == headed["nolist"] + 1
    assert listed["garbage"] == headed["garbage"] + 1
    assert headed["good"] > 5 * listed["good"]
    print(f"\nrequests per host with lists: {listed}\nwithout lists: {headed}")
