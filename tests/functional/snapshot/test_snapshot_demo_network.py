"""The demo world's steps: mirror network on the scanned demo tree, inventory; and the
Fedora-scale generator (small)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Host,
    HostCategoryDir,
    HostCategoryUrl,
    NetblockAsn,
    NetblockCountry,
    Repository,
)
from mirrormanager.demo.network import DEMO_MIRRORS
from mirrormanager.demo.network_fedora import populate_fedora_scale
from mirrormanager.demo.world import DemoWorld
from mirrormanager.formats.snapshot_codec import decode, encode
from mirrormanager.settings import Settings
from mirrormanager.snapshot.build import build_snapshot


@pytest.fixture
def world(tmp_path: Path, engine: Engine, db_session: Session) -> DemoWorld:
    world = DemoWorld(tmp_path)
    world.build_tree()
    settings = dataclasses.replace(
        Settings(), data_dir=tmp_path, master_prefix=world.master, embargoed_countries=()
    )
    return world.connect(settings, engine, db_session)


def _count(session: Session, model: object) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def test_demo_network_is_realistic_and_idempotent(world: DemoWorld) -> None:
    db_session, settings = world.session, world.settings
    assert world.scan().ok
    added = world.add_network(mirror_base_url="http://127.0.0.1:9/", mark_up2date=True)
    counts = {m: _count(db_session, m) for m in (Host, HostCategoryDir, HostCategoryUrl)}
    assert added == counts[HostCategoryDir] > 0
    assert world.add_network(mirror_base_url="http://127.0.0.1:9", mark_up2date=True) == 0
    assert {m: _count(db_session, m) for m in counts} == counts
    assert counts[Host] == len(DEMO_MIRRORS) == 9

    snap = build_snapshot(db_session, settings, serial=1, now=1_800_000_000)
    assert {h.country for h in snap.hosts.values()} >= {"DE", "FR", "US", "JP", "BR", "CZ", "GB"}
    private = [h for h in snap.hosts.values() if h.private]
    assert [h.netblocks for h in private] == [("198.51.100.0/24",)]
    assert any(h.asn and h.peer_asns for h in snap.hosts.values())
    assert any(h.countries_allowed == ("CZ", "SK") for h in snap.hosts.values())
    assert snap.country_continent_redirects == {"IL": "EU"}
    assert snap.repository_redirects == {"fedora-rawhide": "rawhide"}
    assert len(snap.netblock_countries) == 2 and len(snap.netblock_asns) == 4
    # Every repository is carried by every host of its category, through the local mirror.
    directory = snap.directories[snap.repositories[("fedora-41", "x86_64")]]
    assert len(directory.hosts) == 9
    de = next(h for h in snap.hosts.values() if h.name.startswith("mirror-de"))
    urls = [snap.urls[u].url for h, ids in directory.hosts if h == de.id for u in ids]
    assert "http://127.0.0.1:9/pub/fedora/linux" in urls
    assert any(u.startswith("rsync://") for u in urls)
    assert all(
        snap.urls[u].url.startswith(("http://127.0.0.1:9/", "rsync://"))
        for _h, ids in directory.hosts
        for u in ids
    )
    repodata = snap.directories[directory.name + "/repodata"]
    assert repodata.files["repomd.xml"][0].sha256
    assert decode(encode(snap)) == snap


def test_demo_network_needs_a_scanned_database(world: DemoWorld) -> None:
    with pytest.raises(ValueError, match="scan the demo tree first"):
        world.add_network(mirror_base_url="http://127.0.0.1:9")


def test_demo_network_needs_the_mirrors_or_a_url(world: DemoWorld) -> None:
    with pytest.raises(RuntimeError, match="start the demo mirrors first"):
        world.add_network()


def test_database_steps_need_a_database(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"DemoWorld\.connect"):
        DemoWorld(tmp_path).scan()


def test_inventory_lists_versions_in_release_order(world: DemoWorld) -> None:
    assert world.scan().ok
    inventory = world.inventory()
    assert inventory.versions["EPEL"] == ["7", "9", "10.1"]  # 9 before 10.1
    assert inventory.versions["Fedora"][-1] == "development"  # names after numbers
    assert ("Fedora Linux", "Fedora") in {(c, p) for c, p, _ in inventory.categories}
    assert ("fedora-41", "x86_64", "pub/fedora/linux/releases/41/Everything/x86_64/os") in (
        inventory.repositories
    )


def test_fedora_scale_generator_small(db_session: Session, tmp_path: Path) -> None:
    counts = populate_fedora_scale(
        db_session,
        hosts=30,
        countries=10,
        repositories=40,
        directories=400,
        host_netblocks=60,
        asn_rows=200,
        file_details_per_repo=3,
    )
    assert counts["host"] == 30 and counts["repository"] == 40
    assert counts["file_detail"] == 120 and counts["netblock_asn"] == 200
    assert counts["host_category_dir"] == _count(db_session, HostCategoryDir) > 1000
    assert _count(db_session, NetblockCountry) == 1000
    with pytest.raises(ValueError, match="empty database"):
        populate_fedora_scale(db_session, hosts=1)
    # Ids continue after the explicit ones (PostgreSQL sequences were moved on).
    db_session.add(NetblockAsn(netblock="192.0.2.0/24", asn=1))
    db_session.flush()
    settings = dataclasses.replace(Settings(), snapshot_file=str(tmp_path / "s"))
    snap = build_snapshot(db_session, settings, serial=1)
    assert 0 < len(snap.hosts) < 30
    assert len(snap.repositories) == 40 == _count(db_session, Repository)
    assert len(snap.netblock_asns) == 201
    carried = [d for d in snap.directories.values() if d.hosts]
    assert len(carried) > 300
    assert all(h in snap.hosts for d in carried for h, _ in d.hosts)
    assert decode(encode(snap)) == snap
