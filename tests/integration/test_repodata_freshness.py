"""Issue 13 part 1, end to end: freshness of a repository is judged by its `repodata/`.

Master at generation 2 of a repository; mirror A serves generation 0, B generation 1, C
generation 2; all registered and crawled for real over HTTP. The crawl calls A and B
stale for `repodata/` (their repository directory itself holds no files and looks up to
date). The snapshot, the real server and a real `dnf makecache` through the metalink
must then leave A alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from pathlib import Path

import defusedxml.ElementTree as ET
import httpx
import pytest
from sqlalchemy.orm import Session

from mirrormanager.core.targets import resolve_repo
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.formats import snapshot_codec
from mirrormanager.scanner.service import scan
from mirrormanager.settings import load_settings
from mirrormanager.snapshot.build import build_snapshot
from tests.demo_changes import publish_update
from tests.integration import mirror_servers as servers
from tests.integration.test_crawler_real_servers import add_host, run

pytestmark = pytest.mark.skipif(shutil.which("dnf") is None, reason="needs dnf (Debian: dnf)")

FEDORA = "pub/fedora/linux"
REPO = f"{FEDORA}/updates/41/Everything/x86_64"
NS = "{http://www.metalinker.org/}"
MM0 = "{http://fedorahosted.org/mirrormanager}"


@dataclasses.dataclass
class _Net:
    client_tls: None = None


def test_stale_repodata_mirror_is_not_offered_and_dnf_never_asks_it(
    db_session: Session, tmp_path: Path
) -> None:
    master = tmp_path / "master"
    build_demo_tree(master)
    base = load_settings(env={}).settings
    settings = dataclasses.replace(  # the demo tree's dates are old: keep its alternates
        base,
        master_prefix=master,
        data_dir=tmp_path,
        log_dir=tmp_path / "log",
        file_detail_keep_days=36500,
    )
    for generation in ("a", "b"):  # scan each generation: the older ones become alternates
        assert scan(db_session, settings).ok
        shutil.copytree(master, tmp_path / generation, symlinks=True)
        publish_update(master, REPO)
    assert scan(db_session, settings).ok
    shutil.copytree(master, tmp_path / "c", symlinks=True)
    db_session.commit()

    seen: dict[str, list[str]] = {name: [] for name in "abc"}
    with contextlib.ExitStack() as stack:
        ports = {
            name: stack.enter_context(servers.http_server(tmp_path / name, seen=seen[name]))
            for name in "abc"
        }
        urls = {name: f"http://127.0.0.1:{port}/{FEDORA}" for name, port in ports.items()}
        for name, url in urls.items():
            add_host(db_session, f"mirror-{name}", url)
        db_session.commit()
        summary = run(db_session, settings, _Net())  # type: ignore[arg-type]
        assert {h.status for h in summary.hosts} == {"ok"}

        snapshot = build_snapshot(db_session, settings, serial=1)
        # the scenario: the repository directory looks up to date everywhere, repodata not
        names = {i: h.name for i, h in snapshot.hosts.items()}
        repo_hosts = {names[i] for i, _u in snapshot.directories[REPO].hosts}
        fresh = {names[i] for i, _u in snapshot.directories[REPO + "/repodata"].hosts}
        assert {"mirror-a", "mirror-b", "mirror-c"} <= repo_hosts
        assert "mirror-a" not in fresh and "mirror-b" not in fresh and "mirror-c" in fresh
        target = resolve_repo(snapshot, "updates-released-f41", "x86_64", metalink=True)
        assert len(target.files) >= 3  # current + the two older generations as alternates
        path = tmp_path / "mirrorlist.snapshot"
        path.write_bytes(snapshot_codec.encode(snapshot))
        db_session.rollback()

        url = stack.enter_context(servers.mirrorlist_server(path, tmp_path))
        for name in "abc":
            seen[name].clear()  # the crawl's requests
        query = "repo=updates-released-f41&arch=x86_64"
        metalink = httpx.get(f"{url}/metalink?{query}", timeout=10)
        offered = [u.text or "" for u in ET.fromstring(metalink.content).iter(f"{NS}url")]
        assert offered and all(u.startswith(urls["c"]) for u in offered), offered
        alternates = ET.fromstring(metalink.content).iter(f"{MM0}alternate")
        assert len(list(alternates)) == len(target.files) - 1
        mirrorlist = httpx.get(f"{url}/mirrorlist?{query}", timeout=10).text
        assert urls["a"] not in mirrorlist and urls["b"] not in mirrorlist
        assert f"{urls['c']}/updates/41/Everything/x86_64/" in mirrorlist

        result = servers.dnf_makecache(f"{url}/metalink?{query}", tmp_path / "dnf")
        assert result.returncode == 0, result.stdout + result.stderr
        assert seen["a"] == [] and seen["b"] == []
        assert f"/{REPO}/repodata/repomd.xml" in seen["c"]
