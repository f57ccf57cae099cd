"""Per-file precision end to end with real parts (issue 13 part 5).

Real HTTP servers and a real rsync daemon play three mirrors: one current, two holding the
tree as it was before a new ISO (and its new CHECKSUM) landed on the master. One old
mirror is crawled over HTTP through its own fullfiletimelist, the other over rsync. Then
the snapshot is built from the database and `mirrormanager serve-mirrorlist` answers:
the old mirrors are still offered for the old ISOs, never for the new file, and
`redirect=1` is followed by `curl -L`, whose download matches the `Digest` header, and by
aria2, which uses the RFC 6249 duplicates to fail over and refuses bytes that do not
match the Digest.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import crawl
from mirrormanager.db.models import (
    Category,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    Site,
)
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.formats.snapshot_codec import encode
from mirrormanager.scanner.service import scan
from mirrormanager.settings import load_settings
from mirrormanager.snapshot.build import build_snapshot
from tests.integration import mirror_servers as servers
from tests.timelists import write_timelist

pytestmark = pytest.mark.skipif(
    shutil.which("rsync") is None or shutil.which("curl") is None, reason="needs rsync and curl"
)
needs_aria2 = pytest.mark.skipif(
    shutil.which("aria2c") is None, reason="needs aria2c (Debian: aria2)"
)

FEDORA = "pub/fedora/linux"
LIST = "pub/fedora/fullfiletimelist-fedora"
ISO_DIR = f"{FEDORA}/releases/41/Server/x86_64/iso"
OLD_ISO = "Fedora-Server-dvd-x86_64-41-1.4.iso"
NEW_ISO = "Fedora-Server-boot-x86_64-41-1.4.iso"
CHECKSUM = "Fedora-Server-41-1.4-x86_64-CHECKSUM"
NEW_IMAGE = b"a boot image that arrived after the old mirrors synced\n" * 64


def publish_list(root: Path) -> None:
    write_timelist(str(root / FEDORA), str(root / LIST), prefix="linux/")


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("precision-trees")
    master, old = root / "master", root / "old"
    build_demo_tree(master)
    publish_list(master)
    shutil.copytree(master, old, symlinks=True)  # a mirror synced before the new ISO
    iso_dir = master / ISO_DIR
    (iso_dir / NEW_ISO).write_bytes(NEW_IMAGE)
    with (iso_dir / CHECKSUM).open("a") as checksum:
        checksum.write(f"SHA256 ({NEW_ISO}) = {hashlib.sha256(NEW_IMAGE).hexdigest()}\n")
    publish_list(master)
    good = root / "good"
    shutil.copytree(master, good, symlinks=True)
    return {"master": master, "old": old, "good": good}


@dataclasses.dataclass
class Network:
    http: dict[str, int]
    rsync: int


@pytest.fixture(scope="module")
def network(trees: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with contextlib.ExitStack() as stack:
        # "old" twice: URLs are unique, and the rsync-crawled mirror needs an http one too
        roots = {"good": trees["good"], "old": trees["old"], "old2": trees["old"]}
        http = {
            name: stack.enter_context(servers.http_server(root)) for name, root in roots.items()
        }
        rsync = stack.enter_context(
            servers.rsync_daemon({"old": trees["old"]}, tmp_path_factory.mktemp("rsyncd"))
        )
        yield Network(http, rsync)


def add_host(session: Session, name: str, *urls: str, country: str = "DE") -> Host:
    category = session.scalars(select(Category).where(Category.name == "Fedora Linux")).one()
    site = Site(name=f"site-{name}")
    host = Host(site=site, name=name, country=country, max_connections=4)
    hc = HostCategory(host=host, category=category)
    session.add_all([site, host, hc, *(HostCategoryUrl(host_category=hc, url=u) for u in urls)])
    return host


def sha256_of(headers: httpx.Headers) -> str:
    digest = headers["digest"]
    assert digest.startswith("sha-256=")
    return base64.b64decode(digest.removeprefix("sha-256=")).hex()


def curl_follow(url: str, out: Path) -> str:
    """Download with `curl -L`, the way scripts fetch from MirrorManager's redirects."""
    result = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail",
            "--location",
            "--max-redirs",
            "3",
            "--output",
            str(out),
            "--write-out",
            "%{url_effective}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_old_mirrors_serve_old_files_not_the_new_one(
    db_session: Session, trees: dict[str, Path], network: Network, tmp_path: Path
) -> None:
    base = load_settings(env={}).settings
    settings = dataclasses.replace(
        base, master_prefix=trees["master"], data_dir=tmp_path, log_dir=tmp_path
    )
    assert scan(db_session, settings).ok
    http = {name: f"http://127.0.0.1:{port}/{FEDORA}" for name, port in network.http.items()}
    add_host(db_session, "good", http["good"], country="US")
    add_host(db_session, "old-http", http["old"])  # crawled through its time list
    rsync_url = f"rsync://127.0.0.1:{network.rsync}/old/{FEDORA}"
    add_host(db_session, "old-rsync", rsync_url, http["old2"])  # crawled over rsync
    db_session.commit()
    options = CrawlOptions(
        connect_timeout=5.0, read_timeout=5.0, host_timeout=60.0, log_dir=tmp_path,
        record_propagation=False, master_prefix=settings.master_prefix,
    )  # fmt: skip
    summary = crawl(db_session, HostSelection(), options)
    assert {h.name: h.status for h in summary.hosts} == dict.fromkeys(
        ("good", "old-http", "old-rsync"), "ok"
    )
    rows = db_session.execute(
        select(Host.name, HostCategoryDir.up2date, HostCategoryDir.differing_files)
        .join(HostCategory, HostCategory.id == HostCategoryDir.host_category_id)
        .join(Host, Host.id == HostCategory.host_id)
        .where(HostCategoryDir.path == ISO_DIR.removeprefix(FEDORA + "/"))
    ).all()
    assert sorted(rows) == [
        ("good", True, None),
        ("old-http", False, [CHECKSUM, NEW_ISO]),
        ("old-rsync", False, [CHECKSUM, NEW_ISO]),
    ]

    snapshot = tmp_path / "mirrorlist.snapshot"
    snapshot.write_bytes(encode(build_snapshot(db_session, settings, serial=1)))
    with servers.mirrorlist_server(snapshot, tmp_path) as server:

        def carriers(path: str) -> set[int]:
            answer = httpx.get(f"{server}/mirrorlist", params={"path": path}, timeout=5)
            assert answer.status_code == 200, answer.text
            return {int(line.split("/")[2].rsplit(":", 1)[1]) for line in answer.text.split()
                    if line.startswith("http")}  # fmt: skip

        everyone = set(network.http.values())
        assert carriers(f"{ISO_DIR}/{OLD_ISO}") == everyone
        assert carriers(f"{ISO_DIR}/{NEW_ISO}") == {network.http["good"]}
        assert carriers(f"{ISO_DIR}/{CHECKSUM}") == {network.http["good"]}
        assert carriers(ISO_DIR) == {network.http["good"]}  # the directory: current only

        # redirect=1 for the old ISO: any of the three, the other two as duplicates
        url = f"{server}/mirrorlist?path={ISO_DIR}/{OLD_ISO}&redirect=1"
        first = httpx.get(url, timeout=5)
        assert first.status_code == 302
        links = first.headers.get_list("link")
        assert len(links) == 2 and all(link.endswith(("pri=1", "pri=2")) for link in links)
        landed = curl_follow(url, tmp_path / "old.iso")
        assert landed.endswith(f"/{ISO_DIR}/{OLD_ISO}")
        body = (tmp_path / "old.iso").read_bytes()
        assert body == (trees["master"] / ISO_DIR / OLD_ISO).read_bytes()
        assert hashlib.sha256(body).hexdigest() == sha256_of(first.headers)

        # the new ISO: only the current mirror, verified against the Digest
        url = f"{server}/mirrorlist?path={ISO_DIR}/{NEW_ISO}&redirect=1"
        first = httpx.get(url, timeout=5)
        assert first.status_code == 302 and "link" not in first.headers
        landed = curl_follow(url, tmp_path / "new.iso")
        assert landed == f"{http['good']}/{ISO_DIR.removeprefix(FEDORA + '/')}/{NEW_ISO}"
        body = (tmp_path / "new.iso").read_bytes()
        assert body == NEW_IMAGE
        assert hashlib.sha256(body).hexdigest() == sha256_of(first.headers)


def aria2(url: str, out: Path) -> subprocess.CompletedProcess[str]:
    """aria2 speaks Metalink/HTTP (RFC 6249): it follows the 302, verifies the Digest
    (RFC 3230) and falls back to the Link duplicates when a mirror fails."""
    return subprocess.run(
        ["aria2c", "--dir", str(out.parent), "--out", out.name, "--allow-overwrite=true",
         "--console-log-level=warn", "--summary-interval=0", "--max-tries=1",
         "--connect-timeout=5", "--timeout=10", url],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


@needs_aria2
def test_aria2_fails_over_to_duplicates_and_checks_the_digest(
    db_session: Session, trees: dict[str, Path], network: Network, tmp_path: Path
) -> None:
    base = load_settings(env={}).settings
    settings = dataclasses.replace(
        base, master_prefix=trees["master"], data_dir=tmp_path, log_dir=tmp_path
    )
    assert scan(db_session, settings).ok
    http = {name: f"http://127.0.0.1:{port}/{FEDORA}" for name, port in network.http.items()}
    add_host(db_session, "good", http["good"], country="US")
    add_host(db_session, "old-http", http["old"])
    db_session.commit()
    options = CrawlOptions(connect_timeout=5.0, read_timeout=5.0, log_dir=tmp_path,
                           record_propagation=False,
                           master_prefix=settings.master_prefix)  # fmt: skip
    crawl(db_session, HostSelection(), options)
    snapshot = tmp_path / "mirrorlist.snapshot"
    snapshot.write_bytes(encode(build_snapshot(db_session, settings, serial=1)))
    old_copy = trees["old"] / ISO_DIR / OLD_ISO
    good_new = trees["good"] / ISO_DIR / NEW_ISO
    saved = old_copy.read_bytes()
    with servers.mirrorlist_server(snapshot, tmp_path) as server:
        # country=DE,global: the old German mirror first, the current one as duplicate
        url = f"{server}/mirrorlist?path={ISO_DIR}/{OLD_ISO}&country=DE,global&redirect=1"
        first = httpx.get(url, timeout=5)
        assert first.headers["location"].startswith(http["old"])
        assert first.headers["link"].startswith(f"<{http['good']}/")
        result = aria2(url, tmp_path / "plain.iso")
        assert result.returncode == 0, result.stdout + result.stderr
        assert (tmp_path / "plain.iso").read_bytes() == saved
        try:
            old_copy.unlink()  # the old mirror loses the file after the crawl: 404
            result = aria2(url, tmp_path / "failover.iso")
            assert result.returncode == 0, result.stdout + result.stderr
            assert (tmp_path / "failover.iso").read_bytes() == saved
        finally:
            old_copy.write_bytes(saved)
        # a mirror serving other bytes than the master's: aria2 refuses them
        url = f"{server}/mirrorlist?path={ISO_DIR}/{NEW_ISO}&redirect=1"
        try:
            good_new.write_bytes(NEW_IMAGE.upper())  # same size, other content
            result = aria2(url, tmp_path / "corrupt.iso")
            assert result.returncode != 0
            assert "Checksum error" in result.stdout + result.stderr
        finally:
            good_new.write_bytes(NEW_IMAGE)
        result = aria2(url, tmp_path / "new.iso")
        assert result.returncode == 0, result.stdout + result.stderr
        assert (tmp_path / "new.iso").read_bytes() == NEW_IMAGE
