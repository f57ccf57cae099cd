"""The crawler against real servers on loopback: an rsync daemon, HTTP and HTTPS servers
serving copies of the demo tree (current, stale, partial), and hostile servers."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.crawler.http import default_client
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
    PropagationStat,
    Repository,
    Site,
)
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.scanner.service import scan
from mirrormanager.settings import Settings, load_settings
from tests.demo_changes import publish_update
from tests.integration import mirror_servers as servers

FEDORA = "pub/fedora/linux"
UPDATES = "updates/41/Everything/x86_64"
ISO_DIR = "releases/41/Server/x86_64/iso"


@dataclasses.dataclass
class Trees:
    master: Path
    old_master: Path  # the master before the push: what stale mirrors still hold
    good: Path
    partial: Path


@dataclasses.dataclass
class Network:
    trees: Trees
    rsync_port: int
    http_good: int
    http_partial: int
    https_stale: int
    https_untrusted: int
    client_tls: ssl.SSLContext


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    root = tmp_path_factory.mktemp("trees")
    build_demo_tree(root / "master")
    shutil.copytree(root / "master", root / "old", symlinks=True)
    publish_update(root / "master", f"{FEDORA}/{UPDATES}")
    shutil.copytree(root / "master", root / "good", symlinks=True)
    shutil.copytree(root / "master", root / "partial", symlinks=True)
    next(Path(root / "partial" / FEDORA / ISO_DIR).glob("*netinst*.iso")).unlink()
    return Trees(root / "master", root / "old", root / "good", root / "partial")


@pytest.fixture(scope="module")
def network(trees: Trees, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    ca, rogue = trustme.CA(), trustme.CA()
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    rogue_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    rogue.issue_cert("127.0.0.1").configure_cert(rogue_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    work = tmp_path_factory.mktemp("rsyncd")
    modules = {"good": trees.good / "pub", "stale": trees.old_master / "pub"}
    with contextlib.ExitStack() as stack:
        yield Network(
            trees=trees,
            rsync_port=stack.enter_context(servers.rsync_daemon(modules, work)),
            http_good=stack.enter_context(servers.http_server(trees.good)),
            http_partial=stack.enter_context(servers.http_server(trees.partial)),
            https_stale=stack.enter_context(servers.http_server(trees.old_master, server_tls)),
            https_untrusted=stack.enter_context(servers.http_server(trees.good, rogue_tls)),
            client_tls=client_tls,
        )


def scanned_settings(session: Session, trees: Trees, tmp: Path) -> Settings:
    """The database after a scan of the master (after the push)."""
    base = load_settings(env={}).settings
    settings = dataclasses.replace(base, master_prefix=trees.master, data_dir=tmp, log_dir=tmp)
    assert scan(session, settings).ok
    session.commit()
    return settings


def add_host(session: Session, name: str, *urls: str, connections: int = 4) -> Host:
    site = Site(name=f"site-{name}")
    host = Host(site=site, name=name, country="DE", max_connections=connections)
    category = session.scalars(select(Category).where(Category.name == "Fedora Linux")).one()
    hc = HostCategory(host=host, category=category)
    session.add_all([site, host, hc])
    session.add_all(HostCategoryUrl(host_category=hc, url=url) for url in urls)
    session.flush()
    return host


def current_paths(session: Session, host: Host) -> set[str]:
    return set(
        session.scalars(
            select(HostCategoryDir.path)
            .join(HostCategory, HostCategoryDir.host_category_id == HostCategory.id)
            .where(HostCategory.host_id == host.id, HostCategoryDir.up2date)
        )
    )


def all_paths(session: Session) -> set[str]:
    names = session.scalars(
        select(Directory.name)
        .join(CategoryDirectory, CategoryDirectory.directory_id == Directory.id)
        .join(Category, Category.id == CategoryDirectory.category_id)
        .where(Category.name == "Fedora Linux", Directory.readable)
    )
    return {name.removeprefix(FEDORA).strip("/") for name in names}


def run(session: Session, settings: Settings, net: Network, **options: object) -> CrawlSummary:
    values: dict[str, object] = {
        "connect_timeout": 2.0,
        "read_timeout": 0.5,
        "host_timeout": 20.0,
        "max_response_bytes": 1 << 20,
        "log_dir": settings.log_dir,
        "probe_reachability": True,
        "master_prefix": settings.master_prefix,
        **options,
    }
    return crawl(
        session,
        HostSelection(),
        CrawlOptions(**values),  # type: ignore[arg-type]
        client_factory=functools.partial(default_client, verify=net.client_tls),
    )


def test_real_mirrors_get_the_right_verdicts(
    db_session: Session, network: Network, tmp_path: Path
) -> None:
    settings = scanned_settings(db_session, network.trees, tmp_path)
    rsync = f"rsync://127.0.0.1:{network.rsync_port}"
    hosts = {
        "rsync-good": add_host(db_session, "rsync-good", f"{rsync}/good/fedora/linux"),
        "rsync-stale": add_host(db_session, "rsync-stale", f"{rsync}/stale/fedora/linux"),
        "http-good": add_host(
            db_session, "http-good", f"http://127.0.0.1:{network.http_good}/{FEDORA}"
        ),
        "https-stale": add_host(
            db_session, "https-stale", f"https://127.0.0.1:{network.https_stale}/{FEDORA}"
        ),
        "http-partial": add_host(
            db_session, "http-partial", f"http://127.0.0.1:{network.http_partial}/{FEDORA}"
        ),
    }
    db_session.commit()
    # The servers are threads of this process: on a loaded machine 0.5 s is too short.
    summary = run(db_session, settings, network, read_timeout=5.0)
    assert {h.name: h.status for h in summary.hosts} == dict.fromkeys(hosts, "ok")
    everything = all_paths(db_session)
    pushed = {f"{UPDATES}/repodata", f"{UPDATES}/Packages/m"}
    assert current_paths(db_session, hosts["rsync-good"]) == everything
    assert current_paths(db_session, hosts["http-good"]) == everything
    assert current_paths(db_session, hosts["rsync-stale"]) == everything - pushed
    assert current_paths(db_session, hosts["https-stale"]) == everything - pushed
    assert current_paths(db_session, hosts["http-partial"]) == everything - {ISO_DIR}
    requests = {h.name: h.requests for h in summary.hosts}
    assert requests["rsync-good"] == 1  # one listing for the whole category
    db_session.expire_all()
    reach = {h.name: (h.reachable_ipv4, h.reachable_ipv6) for h in hosts.values()}
    assert set(reach.values()) == {(True, None)}  # 127.0.0.1: IPv4 only

    repo = db_session.scalars(
        select(Repository)
        .join(Directory, Repository.directory_id == Directory.id)
        .where(Directory.name == f"{FEDORA}/{UPDATES}")
    ).one()
    stat = db_session.scalars(
        select(PropagationStat).where(PropagationStat.repository_id == repo.id)
    ).one()
    # The master lists only the new repomd.xml: both stale copies serve something
    # older (the alternate window is covered by the HTTP connector's unit tests).
    assert (stat.current, stat.one_behind, stat.older, stat.failed) == (3, 0, 2, 0)

    # The stale mirror catches up: the next crawl marks it current.
    stale_copy = network.trees.old_master / FEDORA / UPDATES
    stale_copy.rename(tmp_path / "kept")
    shutil.copytree(network.trees.master / FEDORA / UPDATES, stale_copy)
    try:
        run(db_session, settings, network, record_propagation=False)
        assert current_paths(db_session, hosts["https-stale"]) == everything
        assert current_paths(db_session, hosts["rsync-stale"]) == everything
    finally:
        shutil.rmtree(stale_copy)
        (tmp_path / "kept").rename(stale_copy)


def test_hostile_mirrors_end_within_bounds(
    db_session: Session, network: Network, tmp_path: Path
) -> None:
    settings = scanned_settings(db_session, network.trees, tmp_path)
    with contextlib.ExitStack() as stack:
        port = {
            name: stack.enter_context(servers.raw_server(behaviour))
            for name, behaviour in {
                "silent": servers.silent,
                "dripping": servers.dripping,
                "endless": servers.endless,
                "garbage-http": servers.garbage,
                "garbage-rsync": servers.garbage,
                "redirect": servers.redirecting(f"http://127.0.0.1:{network.http_good}/"),
            }.items()
        }
        closed = servers.free_port()
        expected = {
            "silent": (f"http://127.0.0.1:{port['silent']}/{FEDORA}", "timed out"),
            "dripping": (f"http://127.0.0.1:{port['dripping']}/{FEDORA}", "timed out"),
            "endless": (f"http://127.0.0.1:{port['endless']}/{FEDORA}", "larger than"),
            # Garbage sent before the request: refused while parsing, or while sending.
            "garbage-http": (f"http://127.0.0.1:{port['garbage-http']}/{FEDORA}", "not HTTP"),
            "garbage-rsync": (f"rsync://127.0.0.1:{port['garbage-rsync']}/x/y", "rsync exit"),
            "redirect": (f"http://127.0.0.1:{port['redirect']}/{FEDORA}", "another host"),
            "refused": (f"http://127.0.0.1:{closed}/{FEDORA}", "ConnectError"),
            "untrusted-tls": (
                f"https://127.0.0.1:{network.https_untrusted}/{FEDORA}",
                "CERTIFICATE_VERIFY_FAILED",
            ),
        }
        for name, (url, _) in expected.items():
            add_host(db_session, name, url)
        db_session.commit()
        summary = run(db_session, settings, network, host_timeout=5.0)
    lines = {h.name: h for h in summary.hosts}
    for name, (_, reason) in expected.items():
        assert lines[name].status == "failed", (name, lines[name])
        assert reason in (lines[name].reason or ""), (name, lines[name].reason)
    assert summary.seconds < 8  # everything ran at once, each bounded by its timeouts
    db_session.expire_all()
    failures = db_session.scalars(select(Host.crawl_failures)).all()
    assert failures == [1] * len(expected)
    assert db_session.scalars(select(HostCategoryDir)).all() == []
