"""Issue 13 part 3 against the real server (Granian subprocess) and a real dnf: `ip=` is
the operator's tool, honoured only from `trusted_proxies`; control characters are refused.

The demo network's private "campus" mirror serves only its netblock 198.51.100.0/24. A
caller on loopback naming an address in it must not be shown it unless loopback is a
trusted proxy, and dnf following such a metalink must never contact it.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import defusedxml.ElementTree as ET
import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mirrormanager.demo.mirrors import DemoMirrorServer
from mirrormanager.demo.world import DemoWorld
from mirrormanager.formats import snapshot_codec
from mirrormanager.settings import load_settings
from mirrormanager.snapshot.build import build_snapshot
from tests.integration import mirror_servers as servers

pytestmark = pytest.mark.skipif(shutil.which("dnf") is None, reason="needs dnf (Debian: dnf)")

CAMPUS = "198.51.100.7"
QUERY = f"repo=fedora-41&arch=x86_64&ip={CAMPUS}"
NS = "{http://www.metalinker.org/}"


@dataclasses.dataclass
class World:
    snapshot: Path
    mirrors: DemoMirrorServer
    tmp: Path


@pytest.fixture
def world(db_session: Session, engine: Engine, tmp_path: Path) -> Iterator[World]:
    demo = DemoWorld(tmp_path)
    demo.build_tree()
    base = load_settings(env={}).settings
    settings = dataclasses.replace(
        base, master_prefix=demo.master, data_dir=tmp_path, log_dir=tmp_path / "log"
    )
    demo.connect(settings, engine, db_session)
    assert demo.scan().ok
    mirrors = demo.start_mirrors()
    try:
        demo.add_network(mark_up2date=True)
        path = tmp_path / "mirrorlist.snapshot"
        path.write_bytes(snapshot_codec.encode(build_snapshot(db_session, settings, serial=1)))
        db_session.rollback()
        yield World(path, mirrors, tmp_path)
    finally:
        demo.stop_mirrors()


def test_ip_from_an_untrusted_caller_is_ignored_and_dnf_never_reaches_the_private_mirror(
    world: World,
) -> None:
    with servers.mirrorlist_server(world.snapshot, world.tmp) as url:
        text = httpx.get(f"{url}/mirrorlist?{QUERY}", timeout=10).text
        assert "ip= ignored: not from a trusted proxy" in text.splitlines()[0]
        assert "/campus/" not in text
        metalink = httpx.get(f"{url}/metalink?{QUERY}", timeout=10)
        assert b"<!-- ip= ignored: not from a trusted proxy -->" in metalink.content
        result = servers.dnf_makecache(f"{url}/metalink?{QUERY}", world.tmp / "dnf")
    assert result.returncode == 0, result.stdout + result.stderr
    fetched = [p for p in world.mirrors.requests if p.endswith("repomd.xml")]
    assert fetched and not any(p.startswith("/campus/") for p in world.mirrors.requests)


def test_ip_from_a_trusted_proxy_is_honoured(world: World) -> None:
    trusted = {"MM_TRUSTED_PROXIES": "127.0.0.0/8"}
    with servers.mirrorlist_server(world.snapshot, world.tmp, **trusted) as url:
        text = httpx.get(f"{url}/mirrorlist?{QUERY}", timeout=10).text
        assert "ignored" not in text and "/campus/" in text.splitlines()[1]
        result = servers.dnf_makecache(f"{url}/metalink?{QUERY}", world.tmp / "dnf")
    assert result.returncode == 0, result.stdout + result.stderr
    fetched = [p for p in world.mirrors.requests if p.endswith("repomd.xml")]
    assert fetched[0].startswith("/campus/")


def test_control_characters_get_a_400_over_real_http(world: World) -> None:
    with servers.mirrorlist_server(world.snapshot, world.tmp) as url:
        text = httpx.get(f"{url}/mirrorlist?path=pub%0Ahttp://evil/", timeout=10)
        assert text.status_code == 400
        assert (
            text.text
            == "# error: parameter path contains the control character U+000A; remove it\n"
        )
        xml = httpx.get(f"{url}/metalink?repo=fedora-41%00&arch=x86_64", timeout=10)
        assert xml.status_code == 400
        assert ET.fromstring(xml.content).tag == NS + "metalink"
