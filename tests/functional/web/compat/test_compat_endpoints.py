"""MirrorManager2's URLs on serve-web: answer shapes, error messages and who sees what."""

from __future__ import annotations

import base64
import bz2
import json
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.checkin.passwords import hash_site_password
from mirrormanager.crawler.hostlog import write_host_log
from mirrormanager.db import models as m
from tests import factories as f
from tests.functional.web.conftest import WebClient, World

MISSING = "Missing categories, since, or stripprefix arguments"
RSYNC_EMPTY = (
    "# rsync --exclude-from=(this file)\n# {message}\n# includes\n# excludes\n- *\n# end of list\n"
)


@pytest.fixture
def tree(db_session: Session, web_world: World) -> m.Category:
    """The EPEL category with directories changed at known times."""
    category = web_world.category
    times = {
        "pub/epel/9/Everything/x86_64/os": 2000,
        "pub/epel/9/Everything/x86_64": 1000,
        "pub/epel/9": 1000,
        "pub/epel/10/Everything/aarch64/debug": 3000,
        "pub/epel": 500,
    }
    for name, ctime in times.items():
        directory = db_session.scalars(select(m.Directory).where(m.Directory.name == name)).first()
        if directory is None:
            directory = f.DirectoryFactory(name=name)
        directory.ctime = ctime
        db_session.add(m.CategoryDirectory(category_id=category.id, directory_id=directory.id))
    # The same kind of change in another category is not asked for.
    other = f.CategoryFactory(name="Fedora Linux", topdir=f.DirectoryFactory(name="pub/fedora"))
    changed = f.DirectoryFactory(name="pub/fedora/linux/updates/41", ctime=5000)
    db_session.add(m.CategoryDirectory(category_id=other.id, directory_id=changed.id))
    db_session.commit()
    return category


def test_rsync_filter_lists_changed_directories_and_parents(
    web_client: Callable[..., WebClient], tree: m.Category
) -> None:
    answer = web_client().get(
        "/rsyncFilter?categories=Fedora%20EPEL&since=1500&stripprefix=pub/epel"
    )
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True) == (
        "# rsync --exclude-from=(this file)\n"
        "# includes\n"
        "+ 10/\n+ 10/*\n"
        "+ 10/Everything/\n+ 10/Everything/*\n"
        "+ 10/Everything/aarch64/\n+ 10/Everything/aarch64/*\n"
        "+ 10/Everything/aarch64/debug/\n+ 10/Everything/aarch64/debug/*\n"
        "+ 9/\n+ 9/*\n"
        "+ 9/Everything/\n+ 9/Everything/*\n"
        "+ 9/Everything/x86_64/\n+ 9/Everything/x86_64/*\n"
        "+ 9/Everything/x86_64/os/\n+ 9/Everything/x86_64/os/*\n"
        "# excludes\n- *\n# end of list\n"
    )


def test_rsync_filter_strips_by_component_count_and_reads_several_categories(
    web_client: Callable[..., WebClient], tree: m.Category
) -> None:
    client = web_client()
    body = client.get(
        "/rsyncFilter/?categories=Fedora%20EPEL,Fedora%20Linux&since=2500&stripprefix=pub"
    ).get_data(as_text=True)
    includes = [line[2:] for line in body.splitlines() if line.startswith("+ ")]
    assert includes[::2] == [
        "epel/",
        "epel/10/",
        "epel/10/Everything/",
        "epel/10/Everything/aarch64/",
        "epel/10/Everything/aarch64/debug/",
        "fedora/",
        "fedora/linux/",
        "fedora/linux/updates/",
        "fedora/linux/updates/41/",
    ]
    nothing_new = client.get("/rsyncFilter?categories=Fedora%20EPEL&since=9999&stripprefix=pub")
    assert "+ " not in nothing_new.get_data(as_text=True)
    unknown = client.get("/rsyncFilter?categories=Nope&since=0&stripprefix=pub")
    assert "+ " not in unknown.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", MISSING),
        ("?categories=Fedora%20EPEL&since=0", MISSING),
        ("?since=0&stripprefix=pub", MISSING),
        (
            "?categories=Fedora%20EPEL&since=yesterday&stripprefix=pub",
            "value of argument since is not an integer",
        ),
    ],
)
def test_rsync_filter_bad_arguments_exclude_everything(
    web_client: Callable[..., WebClient], tree: m.Category, query: str, message: str
) -> None:
    answer = web_client().get(f"/rsyncFilter{query}")
    assert answer.status_code == 200  # as MirrorManager2: the file must still parse
    assert answer.get_data(as_text=True) == RSYNC_EMPTY.format(message=message)


def test_mirroradmins_lists_public_sites_admins_to_everyone(
    web_client: Callable[..., WebClient], web_world: World, db_session: Session
) -> None:
    web_world.site_b.private = True
    web_world.site_a.created_by = "founder"
    db_session.commit()
    anonymous = web_client()
    assert anonymous.get("/api/mirroradmins").get_json() == {"total": 1, "admins": ["alice"]}
    everyone = web_client(web_world.admin).get("/api/mirroradmins/").get_json()
    assert everyone == {"total": 2, "admins": ["alice", "bob"]}

    by_host = anonymous.get("/api/mirroradmins?name=mirror.site-a.example.org")
    assert by_host.status_code == 200
    assert by_host.get_json() == {"total": 2, "admins": ["alice", "founder"]}
    by_site = anonymous.get("/api/mirroradmins?name=site-a.example.org").get_json()
    assert by_site["admins"] == ["alice", "founder"]

    for name in ("site-b.example.org", "mirror.site-b.example.org", "nowhere.example"):
        hidden = anonymous.get(f"/api/mirroradmins?name={name}")
        assert hidden.status_code == 400
        assert hidden.get_json() == {"message": f"No host or site found for {name}"}
    as_admin = web_client(web_world.admin).get("/api/mirroradmins?name=site-b.example.org")
    assert as_admin.get_json() == {"total": 1, "admins": ["bob"]}


def test_private_host_admins_are_hidden(
    web_client: Callable[..., WebClient], web_world: World, db_session: Session
) -> None:
    web_world.host_a.private = True
    db_session.commit()
    answer = web_client().get("/api/mirroradmins?name=mirror.site-a.example.org")
    assert answer.status_code == 400


def test_repositories_in_mirrormanager2_shape(
    web_client: Callable[..., WebClient], db_session: Session
) -> None:
    directory = f.DirectoryFactory(name="pub/epel/9/Everything/x86_64")
    f.RepositoryFactory(name="EPEL 9 x86_64", prefix="epel-9", directory=directory)
    f.RepositoryFactory(name="no directory", prefix="orphan", directory=None)
    db_session.commit()
    answer = web_client().get("/api/repositories")
    assert answer.mimetype == "application/json"
    assert answer.get_json() == {
        "total": 2,
        "repositories": [
            {"epel-9": {"name": "EPEL 9 x86_64", "directory": "pub/epel/9/Everything/x86_64"}},
            {"orphan": {"name": "no directory", "directory": None}},
        ],
    }


def test_crawler_log_only_for_public_hosts_or_their_admins(
    web_client: Callable[..., WebClient], web_world: World, db_session: Session, tmp_path: Path
) -> None:
    log_dir = tmp_path / "log"
    write_host_log(log_dir, web_world.host_a.id, "crawl of host a\nall current\n")
    write_host_log(log_dir, web_world.host_b.id, "crawl of host b: https://inside.example/\n")
    web_world.host_b.private = True
    db_session.commit()
    anonymous = web_client()
    public = anonymous.get(f"/crawler/{web_world.host_a.id}.log")
    assert public.status_code == 200 and public.mimetype == "text/plain"
    assert public.get_data(as_text=True) == "crawl of host a\nall current\n"
    assert anonymous.get(f"/crawler/{web_world.host_b.id}.log").status_code == 404
    assert web_client(web_world.alice).get(f"/crawler/{web_world.host_b.id}.log").status_code == 404
    for reader in (web_world.bob, web_world.admin):
        own = web_client(reader).get(f"/crawler/{web_world.host_b.id}.log")
        assert own.status_code == 200
        assert "inside.example" in own.get_data(as_text=True)
    assert anonymous.get("/crawler/999999.log").status_code == 404
    never_crawled = f.HostFactory(site=web_world.site_a, name="new.example.org")
    db_session.commit()
    assert anonymous.get(f"/crawler/{never_crawled.id}.log").status_code == 404


def test_mirrors_location_file(
    web_client: Callable[..., WebClient], web_world: World, db_session: Session
) -> None:
    web_world.host_a.latitude, web_world.host_a.longitude = 52.5, 13.4
    f.HostCategoryUrlFactory(
        host_category=web_world.hc_a, url="rsync://mirror.site-a.example.org/epel"
    )
    f.HostCategoryUrlFactory(
        host_category=web_world.hc_a, url="https://mirror.site-a.example.org/other"
    )
    web_world.host_b.latitude, web_world.host_b.longitude = 48.8, 2.3
    web_world.host_b.private = True  # never on the map
    db_session.commit()
    answer = web_client().get("/map/mirrors_location.txt")
    assert answer.mimetype == "text/plain"
    lines = answer.get_data(as_text=True).splitlines()
    assert lines[0] == "lat\tlon\ttitle\tdescription\ticonSize\ticonOffset\ticon"
    assert len(lines) == 2
    fields = lines[1].split("\t")
    assert fields[:4] == [
        "52.5",
        "13.4",
        "<a href='https://mirror.site-a.example.org' rel='noopener noreferrer' "
        "target='_blank'>mirror.site-a.example.org</a>",
        "site-a.example.org",
    ]
    assert fields[6].endswith("marker-icon.png")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/maps", "/map"),
        ("/maps/interactive", "/map"),
        ("/propgation", "/propagation"),
        ("/propagation/", "/propagation"),
        ("/propagation/7", "/propagation?repo=7"),
        ("/statistics/2026-11-02", "/statistics?day=2026-11-02#chart-countries"),
        ("/statistics/2026-11-02/archs", "/statistics?day=2026-11-02#chart-arches"),
        ("/statistics/2026-11-02/repositories", "/statistics?day=2026-11-02#chart-repositories"),
        ("/statistics/garbage/countries", "/statistics#chart-countries"),
        ("/site/mine", "/sites/"),
        ("/admin/all_sites", "/sites/"),
        ("/site/12", "/sites/12"),
        ("/host/34", "/hosts/34"),
    ],
)
def test_old_page_urls_redirect(web_client: Callable[..., WebClient], old: str, new: str) -> None:
    answer = web_client().get(old)
    assert answer.status_code == 302
    assert answer.headers["Location"] == new


def test_redirect_targets_exist(web_client: Callable[..., WebClient], web_world: World) -> None:
    client = web_client(web_world.admin)
    for old in ("/maps", "/propgation", "/statistics/2026-11-02/archs", "/site/mine"):
        assert client.get(old, follow_redirects=True).status_code == 200
    page = client.get(f"/site/{web_world.site_a.id}", follow_redirects=True)
    assert page.status_code == 200 and "site-a.example.org" in page.get_data(as_text=True)
    page = client.get(f"/host/{web_world.host_a.id}", follow_redirects=True)
    assert page.status_code == 200 and "mirror.site-a.example.org" in page.get_data(as_text=True)


def _checkin_call(host: str, site: str, password: str, dirs: list[str]) -> bytes:
    document: dict[str, Any] = {
        "version": 0,
        "global": {"enabled": "1", "server": "http://127.0.0.1/xmlrpc"},
        "site": {"enabled": "1", "name": site, "password": password},
        "host": {"enabled": "1", "name": host},
        "stats": {},
        "Fedora EPEL": {"enabled": "1", "dirtree": {d: {} for d in dirs}},
    }
    data = base64.urlsafe_b64encode(bz2.compress(json.dumps(document).encode())).decode()
    return xmlrpc.client.dumps((data,), "checkin").encode()


def test_xmlrpc_checkin_on_the_web_app(
    web_client: Callable[..., WebClient],
    web_app_factory: Callable[..., Flask],
    web_world: World,
    db_session: Session,
) -> None:
    web_world.site_a.password = hash_site_password("s3cret")
    web_world.host_a.private = True  # only private mirrors check in
    db_session.commit()
    client = web_client().client  # no session, no CSRF token: report_mirror has neither
    answer = client.post(
        "/xmlrpc",
        data=_checkin_call("mirror.site-a.example.org", "site-a.example.org", "s3cret", [""]),
        content_type="text/xml",
    )
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    (message,), _ = xmlrpc.client.loads(answer.get_data())
    assert message.endswith("checked in successful")
    db_session.expire_all()
    assert web_world.host_a.last_checked_in is not None

    wrong = client.post(
        "/xmlrpc",
        data=_checkin_call("mirror.site-a.example.org", "site-a.example.org", "nope", [""]),
        content_type="text/xml",
    )
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(wrong.get_data())
    assert fault.value.faultCode == 403

    small = web_app_factory(checkin_max_bytes=200).test_client()
    big = small.post("/xmlrpc", data=b"x" * 201, content_type="text/xml")
    assert big.status_code == 413
    assert big.get_data(as_text=True) == "request larger than 200 bytes"
    assert web_client().get("/xmlrpc").status_code == 405
