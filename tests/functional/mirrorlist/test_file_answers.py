"""path= of a file and redirect=1 through the in-process app (issue 13 part 5)."""

from __future__ import annotations

import base64
import dataclasses
import random
from pathlib import Path

import pytest

from mirrormanager.core.snapshot_model import Snapshot
from mirrormanager.mirrorlist.app import MirrorlistApp, ServerConfig
from tests.data import snapshots as data
from tests.functional.mirrorlist.test_app import NOW, geoip, get  # noqa: F401

ISO = data.ISO_DIR
TAIL = ISO.removeprefix(data.TOP)  # "/releases/41/Workstation/x86_64/iso"


def snapshot() -> Snapshot:
    """DE hosts 1 and 2 and AT host 3 current; US host 4 and FR host 6 stale: 4 lacks
    only new.iso, 6 lacks new.iso and Fedora-41.iso; host 1 was last checked before
    new.iso appeared."""
    base = data.build()
    pairs = dict(data.ALL_HOSTS)
    iso = dataclasses.replace(
        base.directories[ISO],
        hosts=tuple((h, pairs[h]) for h in (1, 2, 3)),
        partial=tuple((h, pairs[h]) for h in (4, 6)),
        missing={4: frozenset({"new.iso"}), 6: frozenset({"new.iso", "Fedora-41.iso"})},
        recent={"new.iso": 1_730_000_500},
        verified={1: 1_730_000_000},
    )
    return dataclasses.replace(base, directories={**base.directories, ISO: iso})


@pytest.fixture
def app(tmp_path: Path, geoip: Path) -> MirrorlistApp:  # noqa: F811
    path = tmp_path / "mirrorlist.snapshot"
    path.write_bytes(b"file")
    config = ServerConfig(
        snapshot_path=path,
        geoip_path=str(geoip),
        access_log=tmp_path / "access.log",
        reload_seconds=0.05,
        trusted_proxies=("10.0.0.0/8",),
    )
    built = snapshot()
    return MirrorlistApp(config, rng=random.Random(3), decoder=lambda raw: built, clock=lambda: NOW)


def hosts_of(text: str) -> set[str]:
    return {line.split("/")[2] for line in text.splitlines()[1:]}


def test_a_file_gets_exactly_the_hosts_that_carry_it(app: MirrorlistApp) -> None:
    everyone = "&country=global"
    old = get(app, f"/mirrorlist?path={ISO}/old.iso{everyone}")
    assert hosts_of(old.text) == {"de1.example", "de2.example", "at3.example", "us4.example",
                                  "fr6.example"}  # fmt: skip
    iso = get(app, f"/mirrorlist?path={ISO}/Fedora-41.iso{everyone}")
    assert hosts_of(iso.text) == {"de1.example", "de2.example", "at3.example", "us4.example"}
    new = get(app, f"/mirrorlist?path={ISO}/new.iso{everyone}")
    assert hosts_of(new.text) == {"de2.example", "at3.example"}  # 1 checked too early
    directory = get(app, f"/mirrorlist?path={ISO}{everyone}")
    assert hosts_of(directory.text) == {"de1.example", "de2.example", "at3.example"}
    metalink = get(app, f"/metalink?path={ISO}/Fedora-41.iso{everyone}")
    assert "us4.example" in metalink.text and "fr6.example" not in metalink.text


def test_redirect_to_a_carrier_with_duplicates_and_digest(app: MirrorlistApp) -> None:
    r = get(app, f"/mirrorlist?path={ISO}/Fedora-41.iso&country=US,global&redirect=1")
    assert r.status_code == 302
    assert r.headers["location"] == f"https://us4.example/pub/fedora/linux{TAIL}/Fedora-41.iso"
    links = r.headers.get_list("link")
    assert links and all("; rel=duplicate; pri=" in link for link in links)
    assert [link.rsplit("=", 1)[1] for link in links] == [str(n) for n in range(1, len(links) + 1)]
    assert not any("fr6.example" in link for link in links)
    raw = bytes.fromhex(data.ISO.sha256 or "")
    assert r.headers["digest"] == "sha-256=" + base64.b64encode(raw).decode()
    # its carriers have no http(s) URL among the protocols asked for: 404
    r = get(app, f"/mirrorlist?path={ISO}/new.iso&country=global&protocol=ftp&redirect=1")
    assert r.status_code == 404
    # no FileDetail: no Digest
    r = get(app, f"/mirrorlist?path={ISO}/old.iso&redirect=1")
    assert r.status_code == 302 and "digest" not in r.headers
