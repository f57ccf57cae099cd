"""build_snapshot against a real database: MirrorManager2's rules for who serves what."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from mirrormanager.db import models
from mirrormanager.settings import Settings
from mirrormanager.snapshot.build import build_snapshot
from mirrormanager.snapshot.hosts import clamp_bandwidth, normalise_netblock
from tests import factories as f


@pytest.fixture
def session(db_session: Session) -> Session:
    f.bind(db_session)
    return db_session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(
        Settings(), snapshot_file=str(tmp_path / "s.snap"), embargoed_countries=("KP",)
    )


def build(session: Session, settings: Settings):  # type: ignore[no-untyped-def]
    session.flush()
    return build_snapshot(session, settings, serial=7, now=1_800_000_000)


def hosts_of(snap, tree: f.Tree, sub: str) -> list[int]:  # type: ignore[no-untyped-def]
    entry = snap.directories.get(tree.dirs[sub].name)
    return [] if entry is None else [h for h, _urls in entry.hosts]


def test_up_to_date_directory_carries_its_host_and_public_urls(session, settings) -> None:
    t = f.tree("releases/41/os", "updates/41")
    m = f.mirror(t, ["releases/41/os"], url="https://m.example.org/pub/fedora/")
    snap = build(session, settings)
    assert (snap.serial, snap.created) == (7, 1_800_000_000)
    entry = snap.directories[t.dirs["releases/41/os"].name]
    assert entry.subpath == "releases/41/os"
    assert entry.hosts == ((m.host.id, (m.url.id,)),)
    assert snap.urls[m.url.id].url == "https://m.example.org/pub/fedora"  # no trailing slash
    assert snap.urls[m.url.id].host_id == m.host.id
    assert t.dirs["updates/41"].name not in snap.directories  # nobody carries it
    assert snap.hosts[m.host.id].country == "DE"


@pytest.mark.parametrize(
    "where,flag",
    [
        ("host", "admin_active"),
        ("host", "user_active"),
        ("site", "admin_active"),
        ("site", "user_active"),
    ],
)
def test_inactive_host_or_site_is_left_out(session, settings, where: str, flag: str) -> None:
    t = f.tree("a")
    keep = f.mirror(t, ["a"])
    gone = f.mirror(t, ["a"])
    setattr(gone.host if where == "host" else gone.host.site, flag, False)
    snap = build(session, settings)
    assert hosts_of(snap, t, "a") == [keep.host.id]
    assert gone.host.id not in snap.hosts
    assert gone.url.id not in snap.urls


def test_directory_not_up_to_date_is_not_carried(session, settings) -> None:
    t = f.tree("a", "b")
    fresh = f.mirror(t, ["a", "b"])
    stale = f.mirror(t, ["a"], up2date=False)
    f.HostCategoryDirFactory(host_category_id=stale.hc.id, directory_id=t.dirs["b"].id)
    snap = build(session, settings)
    assert hosts_of(snap, t, "a") == [fresh.host.id]
    assert hosts_of(snap, t, "b") == sorted([fresh.host.id, stale.host.id])


def test_always_up2date_carries_every_directory_of_the_category(session, settings) -> None:
    t = f.tree("a", "b/c")
    other = f.tree("x")
    always = f.mirror(t, always=True)
    snap = build(session, settings)
    for sub in ("a", "b/c"):
        assert hosts_of(snap, t, sub) == [always.host.id]
    assert snap.directories[t.top.name].hosts == ((always.host.id, (always.url.id,)),)
    assert snap.directories[t.top.name].subpath == ""
    assert other.dirs["x"].name not in snap.directories


def test_host_category_row_for_a_directory_of_another_category_is_ignored(
    session, settings
) -> None:
    t = f.tree("a")
    other = f.tree("x")
    m = f.mirror(t, ["a"])
    f.HostCategoryDirFactory(host_category_id=m.hc.id, directory_id=other.dirs["x"].id)
    snap = build(session, settings)
    assert other.dirs["x"].name not in snap.directories


def test_private_urls_are_left_out_and_a_host_with_only_those_serves_nothing(
    session, settings
) -> None:
    t = f.tree("a")
    mixed = f.mirror(t, ["a"])
    hidden = f.HostCategoryUrlFactory(host_category=mixed.hc, private=True)
    only_private = f.mirror(t, ["a"])
    only_private.url.private = True
    snap = build(session, settings)
    assert snap.directories[t.dirs["a"].name].hosts == ((mixed.host.id, (mixed.url.id,)),)
    assert hidden.id not in snap.urls and only_private.url.id not in snap.urls


def test_private_host_or_site_is_flagged_and_kept(session, settings) -> None:
    t = f.tree("a")
    public = f.mirror(t, ["a"])
    private_host = f.mirror(t, ["a"], private=True)
    private_site = f.mirror(t, ["a"], site=f.SiteFactory(private=True))
    snap = build(session, settings)
    assert hosts_of(snap, t, "a") == sorted(
        [public.host.id, private_host.host.id, private_site.host.id]
    )
    assert not snap.hosts[public.host.id].private
    assert snap.hosts[private_host.host.id].private
    assert snap.hosts[private_site.host.id].private


def test_exclusive_hosts_restrict_a_directory(session, settings) -> None:
    t = f.tree("embargoed", "open")
    chosen = f.mirror(t, ["embargoed", "open"])
    other = f.mirror(t, ["embargoed", "open"])
    f.DirectoryExclusiveHostFactory(directory_id=t.dirs["embargoed"].id, host_id=chosen.host.id)
    snap = build(session, settings)
    assert hosts_of(snap, t, "embargoed") == [chosen.host.id]
    assert hosts_of(snap, t, "open") == sorted([chosen.host.id, other.host.id])


def test_repositories_disabled_ones_and_hostless_directories(session, settings) -> None:
    t = f.tree("41/x86_64", "41/x86_64/repodata", "41/aarch64", "none")
    f.mirror(t, ["41/x86_64"])
    x86 = f.ArchFactory(name="x86_64")
    arm = f.ArchFactory(name="aarch64")
    version = f.VersionFactory(ordered_mirrorlist=False)
    f.RepositoryFactory(
        prefix="fedora-41",
        arch=x86,
        directory=t.dirs["41/x86_64"],
        category=t.category,
        version=version,
    )
    f.RepositoryFactory(
        prefix="fedora-41",
        arch=arm,
        directory=t.dirs["41/aarch64"],
        category=t.category,
        disabled=True,
    )
    f.RepositoryFactory(prefix=None, arch=x86, directory=t.dirs["none"], category=t.category)
    detail = f.FileDetailFactory(directory=t.dirs["41/x86_64/repodata"])
    snap = build(session, settings)
    assert snap.repositories == {
        ("fedora-41", "x86_64"): t.dirs["41/x86_64"].name,
        ("fedora-41", "aarch64"): t.dirs["41/aarch64"].name,
    }
    assert snap.disabled_repositories == {("fedora-41", "aarch64")}
    assert snap.directories[t.dirs["41/x86_64"].name].ordered_mirrorlist is False
    # Nobody carries aarch64, but the server must still know the directory.
    assert snap.directories[t.dirs["41/aarch64"].name].hosts == ()
    repodata = snap.directories[t.dirs["41/x86_64/repodata"].name]
    assert repodata.files["repomd.xml"][0].sha256 == detail.sha256
    assert t.dirs["none"].name not in snap.directories


def test_file_details_newest_first_by_timestamp_then_id(session, settings) -> None:
    t = f.tree("repodata")
    f.mirror(t, ["repodata"])
    d = t.dirs["repodata"]
    old = f.FileDetailFactory(directory=d, timestamp=100, sha256="a" * 64)
    newest = f.FileDetailFactory(directory=d, timestamp=300, sha256="b" * 64)
    tie_first = f.FileDetailFactory(directory=d, timestamp=200, sha256="c" * 64)
    tie_second = f.FileDetailFactory(directory=d, timestamp=200, sha256="d" * 64)
    other = f.FileDetailFactory(directory=d, filename="Fedora-CHECKSUM", timestamp=5)
    snap = build(session, settings)
    files = snap.directories[d.name].files
    assert [g.sha256 for g in files["repomd.xml"]] == [
        newest.sha256,
        tie_second.sha256,
        tie_first.sha256,
        old.sha256,
    ]
    assert [g.timestamp for g in files["Fedora-CHECKSUM"]] == [other.timestamp]


def test_embargo_keeps_hosts_of_embargoed_countries_out(session, settings) -> None:
    t = f.tree("a")
    ok = f.mirror(t, ["a"], country="de")
    banned = f.mirror(t, ["a"], country="KP")
    models_row = models.EmbargoedCountry(country="SY")
    session.add(models_row)
    snap = build(session, settings)
    assert hosts_of(snap, t, "a") == [ok.host.id]
    assert banned.host.id not in snap.hosts
    assert snap.hosts[ok.host.id].country == "DE"
    assert snap.embargoed_countries == {"KP", "SY"}


def test_host_details_netblocks_asns_countries_and_clamped_bandwidth(session, settings) -> None:
    t = f.tree("a")
    m = f.mirror(t, ["a"], bandwidth_int=10**9, asn=64500, max_connections=3)
    weak = f.mirror(t, ["a"], bandwidth_int=0)
    for value in ("10.1.2.3/8", "2001:DB8::/32", "mirror.example.org", "10.0.0.0/8"):
        f.HostNetblockFactory(host_id=m.host.id, netblock=value)
    f.HostPeerAsnFactory(host_id=m.host.id, asn=64501)
    f.HostCountryAllowedFactory(host_id=m.host.id, country="cz")
    location = models.Location(name="cloud-eu")
    session.add(location)
    session.flush()
    session.add(models.HostLocation(host_id=m.host.id, location_id=location.id))
    with capture_logs() as logs:
        snap = build(session, settings)
    info = snap.hosts[m.host.id]
    assert info.netblocks == ("10.0.0.0/8", "2001:db8::/32")
    assert info.bandwidth == 100_000 and snap.hosts[weak.host.id].bandwidth == 1
    assert (info.asn, info.peer_asns, info.max_connections) == (64500, (64501,), 3)
    assert info.countries_allowed == ("CZ",)
    assert info.locations == ("cloud-eu",)
    assert snap.locations == {"cloud-eu": (m.host.id,)}
    skipped = [e for e in logs if e["log_level"] == "warning"]
    assert len(skipped) == 1
    assert skipped[0]["netblock"] == "mirror.example.org"
    assert skipped[0]["host"] == m.host.name


def test_reachability_and_position_are_carried(session, settings) -> None:
    t = f.tree("a")
    placed = f.mirror(t, ["a"])
    placed.host.reachable_ipv4, placed.host.reachable_ipv6 = True, False
    placed.host.latitude, placed.host.longitude = 24.71, 46.68
    odd = f.mirror(t, ["a"])
    odd.host.latitude, odd.host.longitude = 91.0, float("nan")  # out of range: unknown
    snap = build(session, settings)
    info = snap.hosts[placed.host.id]
    assert (info.reachable_ipv4, info.reachable_ipv6) == (True, False)
    assert (info.latitude, info.longitude) == (24.71, 46.68)
    other = snap.hosts[odd.host.id]
    assert (other.reachable_ipv4, other.latitude, other.longitude) == (None, None, None)


def test_global_tables(session, settings) -> None:
    session.add_all(
        [
            models.RepositoryRedirect(from_repo="fedora-rawhide", to_repo="rawhide"),
            models.CountryContinentRedirect(country="il", continent="eu"),
            models.NetblockCountry(netblock="192.0.2.7/24", country="jp"),
            models.NetblockAsn(netblock="198.51.100.0/24", asn=64496),
            models.NetblockAsn(netblock="not-a-network", asn=1),
            models.NetblockAsn(netblock="2001:db8::/32", asn=4_200_000_000),
        ]
    )
    with capture_logs() as logs:
        snap = build(session, settings)
    assert snap.repository_redirects == {"fedora-rawhide": "rawhide"}
    assert snap.country_continent_redirects == {"IL": "EU"}
    assert snap.netblock_countries == {"192.0.2.0/24": "JP"}
    assert snap.netblock_asns == (("198.51.100.0/24", 64496), ("2001:db8::/32", 4_200_000_000))
    assert any(e.get("netblock") == "not-a-network" for e in logs)


def test_equal_host_sets_are_shared_between_directories(session, settings) -> None:
    t = f.tree("a", "b", "c")
    one = f.mirror(t, ["a", "b", "c"])
    f.mirror(t, ["a", "b"], host=f.HostFactory())
    snap = build(session, settings)
    a, b, c = (snap.directories[t.dirs[s].name].hosts for s in ("a", "b", "c"))
    assert a == b and a is b
    assert c == ((one.host.id, (one.url.id,)),)


def test_host_with_two_categories_on_one_directory_appears_once(session, settings) -> None:
    t = f.tree("shared")
    parent = f.tree(top=t.top.name.rsplit("/", 1)[0] + "/wide")
    f.CategoryDirectoryFactory(category_id=parent.category.id, directory_id=t.dirs["shared"].id)
    m = f.mirror(t, ["shared"])
    second = f.mirror(parent, host=m.host, always=True)
    snap = build(session, settings)
    entry = snap.directories[t.dirs["shared"].name]
    assert entry.hosts == ((m.host.id, tuple(sorted((m.url.id, second.url.id)))),)
    assert entry.subpath == "shared"  # the deeper (matching) top directory wins


def test_serial_follows_the_published_file(session, settings) -> None:
    from mirrormanager.formats.snapshot_codec import encode

    first = build_snapshot(session, settings, now=1_800_000_000)
    assert first.serial == 1_800_000_000  # no file yet: time-based
    Path(settings.snapshot_file).write_bytes(encode(dataclasses.replace(first, serial=41)))
    assert build_snapshot(session, settings, now=1_800_000_100).serial == 42


def test_clamp_bandwidth() -> None:
    assert [clamp_bandwidth(v) for v in (None, -5, 0, 1, 500, 100_000, 100_001)] == [
        1,
        1,
        1,
        1,
        500,
        100_000,
        100_000,
    ]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("10.0.0.0/8", "10.0.0.0/8"),  # canonical: the fast path
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("010.0.0.0/8", None),  # leading zeros are ambiguous (octal?): refused
        ("256.0.0.0/8", None),
        ("10.0.0.0/33", None),
        (" 192.0.2.1 ", "192.0.2.1/32"),
        ("2001:DB8::1/32", "2001:db8::/32"),
        ("mirror.example.org", None),
        ("", None),
    ],
)
def test_normalise_netblock(value: str, expected: str | None) -> None:
    assert normalise_netblock(value) == expected
