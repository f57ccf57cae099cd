"""A real client: dnf follows our metalinks to a mirror served over HTTP on loopback.

The whole chain runs for real: demo tree → umdl scan → demo mirror network → snapshot →
`mirrormanager serve-mirrorlist` (Granian) → dnf/librepo → a local HTTP mirror.
"""

from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import mirrormanager
from mirrormanager.db.session import make_engine
from mirrormanager.demo.mirrors import DemoMirrorServer
from mirrormanager.demo.world import DemoWorld
from mirrormanager.settings import Settings, load_settings
from tests.demo_changes import publish_update

SOURCE = str(Path(mirrormanager.__file__).parents[1])

pytestmark = pytest.mark.skipif(shutil.which("dnf") is None, reason="needs dnf (Debian: dnf)")

REPO = "pub/fedora/linux/updates/41/Everything/x86_64"
IN_DE_NETBLOCK = "192.0.2.10"  # the demo "de" mirror's netblock: de comes first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class Network:
    settings: Settings
    mirrors: DemoMirrorServer
    metalink_base: str
    tmp: Path


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    world = DemoWorld(tmp_path)
    world.build_tree()
    master = world.master
    # The first mirror ("de") holds a copy that got a push the master never saw: its
    # repomd.xml matches neither the current file nor any alternate.
    stale = tmp_path / "stale"
    shutil.copytree(master, stale, symlinks=True)
    publish_update(stale, REPO, timestamp=int(time.time()) - 3600)
    base = load_settings(env={}).settings
    settings = dataclasses.replace(
        base,
        master_prefix=master,
        data_dir=tmp_path,
        log_dir=tmp_path / "log",
        database_url=f"sqlite:///{tmp_path / 'mm.sqlite'}",
        mirrorlist_access_log="-",
        geoip_database="",
    )
    engine = make_engine(settings.effective_database_url)
    world.connect(settings, engine)
    world.migrate()
    mirrors = world.start_mirrors(first_mirror=stale)
    assert world.scan().ok
    world.add_network(mark_up2date=True)
    world.publish()
    world.session.close()
    engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "mirrormanager"),
            "serve-mirrorlist",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--snapshot",
            str(settings.effective_snapshot_file),
        ],
        env={
            "PATH": str(Path(sys.executable).parent),
            "PYTHONPATH": SOURCE,  # the code under test, not the venv's
            "MM_MIRRORLIST_ACCESS_LOG": "-",
            "MM_TRUSTED_PROXIES": "127.0.0.0/8",  # the tests' ip= comes from loopback
            "MM_GEOIP_DATABASE": "",
            "MM_DATA_DIR": str(tmp_path),
            "MM_LOG_DIR": str(tmp_path / "log"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/-/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            server.kill()
            pytest.fail(f"mirrorlist server did not start: {server.communicate()[1]}")
        yield Network(settings, mirrors, url, tmp_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()
        world.stop_mirrors()


def dnf_makecache(net: Network, repo: str, metalink: str) -> subprocess.CompletedProcess[str]:
    repos = net.tmp / f"repos-{repo}"
    repos.mkdir()
    (repos / "demo.repo").write_text(
        f"[demo]\nname=demo\nmetalink={metalink}\ngpgcheck=0\nenabled=1\n", encoding="utf-8"
    )
    return subprocess.run(
        [
            "dnf",
            "-y",
            "makecache",
            "--repo",
            "demo",
            f"--installroot={net.tmp / 'root'}",
            f"--setopt=reposdir={repos}",
            f"--setopt=cachedir={net.tmp / ('cache-' + repo)}",
            "--releasever=41",
            "--setopt=skip_if_unavailable=False",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dnf_makecache_through_our_metalink(network: Network) -> None:
    metalink = f"{network.metalink_base}/metalink?repo=fedora-41&arch=x86_64"
    document = httpx.get(metalink, timeout=5).text
    assert '<file name="repomd.xml">' in document and 'type="sha256"' in document
    result = dnf_makecache(network, "release", metalink)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Metadata cache created" in result.stdout + result.stderr
    assert any(p.endswith("/os/repodata/repomd.xml") for p in network.mirrors.requests)


def test_dnf_skips_a_mirror_with_a_stale_repomd(network: Network) -> None:
    metalink = (
        f"{network.metalink_base}/metalink?repo=updates-released-f41&arch=x86_64"
        f"&ip={IN_DE_NETBLOCK}"
    )
    document = httpx.get(metalink, timeout=5).text
    urls = [line for line in document.splitlines() if "<url " in line]
    assert f"{network.mirrors.base_url}/{REPO}/repodata/repomd.xml" in urls[0]
    result = dnf_makecache(network, "updates", metalink)
    assert result.returncode == 0, result.stdout + result.stderr
    fetched = [p for p in network.mirrors.requests if p.endswith("repomd.xml")]
    assert fetched[0] == f"/{REPO}/repodata/repomd.xml"  # the stale first mirror, refused
    assert any(p != fetched[0] for p in fetched[1:]), fetched  # then a good one
