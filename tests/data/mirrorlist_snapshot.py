"""A small hand-built Snapshot for the mirrorlist tests (the DB builder is not needed)."""

from __future__ import annotations

from mirrormanager.core.snapshot_model import (
    DirectoryEntry,
    FileDetailInfo,
    HostInfo,
    HostUrl,
    Snapshot,
)

REPO_DIR = "pub/fedora/linux/releases/41/Everything/x86_64/os"
RAWHIDE_DIR = "pub/fedora/linux/development/rawhide/Everything/x86_64/os"
SOURCE_DIR = "pub/fedora/linux/releases/41/Everything/source/tree"
ISO_DIR = "pub/fedora/linux/releases/41/Workstation/x86_64/iso"
TOP = "pub/fedora/linux"

CURRENT = FileDetailInfo(1_730_000_000, 4321, "a" * 32, "b" * 40, "c" * 64, "d" * 128)
OLDER = FileDetailInfo(1_720_000_000, 4000, "1" * 32, "2" * 40, "3" * 64, "4" * 128)
ISO = FileDetailInfo(1_729_000_000, 2_000_000_000, None, None, "e" * 64, None)


def host(id_: int, country: str, bandwidth: int = 100, **kw: object) -> HostInfo:
    return HostInfo(
        id=id_,
        name=f"mirror{id_}.{country.lower()}",
        country=country,
        bandwidth=bandwidth,
        max_connections=10,
        private=bool(kw.pop("private", False)),
        **kw,  # type: ignore[arg-type]
    )


HOSTS = {
    1: host(1, "DE", 1000),
    2: host(2, "DE", 10),
    3: host(3, "AT", 100),
    4: host(4, "US", 100),
    5: host(5, "DE", 100, private=True, netblocks=("192.0.2.0/24",)),
    6: host(6, "FR", 100, asn=64500, asn_clients=True),
    7: host(7, "NL", 100, netblocks=("198.51.100.0/24",)),
    8: host(8, "JP", 100, netblocks=("198.51.100.128/25",)),
    9: host(9, "CA", 100, countries_allowed=("CA",)),
}

# url ids: host id * 10 + n
_URLS = {
    1: ("https://de1.example/fedora/linux", "http://de1.example/fedora/linux"),
    2: ("http://de2.example/fedora",),
    3: ("ftp://at3.example/fedora", "https://at3.example/fedora", "rsync://at3.example/fedora"),
    4: ("https://us4.example/pub/fedora/linux",),
    5: ("https://corp5.example/fedora",),
    6: ("https://fr6.example/fedora",),
    7: ("https://nl7.example/fedora",),
    8: ("https://jp8.example/fedora",),
    9: ("https://ca9.example/fedora",),
}
URLS = {
    hid * 10 + n: HostUrl(hid * 10 + n, hid, url)
    for hid, urls in _URLS.items()
    for n, url in enumerate(urls)
}
ALL_HOSTS = tuple((hid, tuple(u.id for u in URLS.values() if u.host_id == hid)) for hid in HOSTS)


def directory(
    name: str, files: dict[str, tuple[FileDetailInfo, ...]] | None = None
) -> DirectoryEntry:
    return DirectoryEntry(
        name=name,
        subpath=name.removeprefix(TOP + "/"),
        hosts=ALL_HOSTS,
        files=files or {},
    )


def build(serial: int = 7, created: int = 1_730_001_000, **changes: object) -> Snapshot:
    directories = {
        d.name: d
        for d in (
            directory(REPO_DIR),
            directory(REPO_DIR + "/repodata", {"repomd.xml": (CURRENT, OLDER)}),
            directory(RAWHIDE_DIR),
            directory(RAWHIDE_DIR + "/repodata", {"repomd.xml": (CURRENT,)}),
            directory(SOURCE_DIR),
            directory(ISO_DIR, {"Fedora-41.iso": (ISO,)}),
        )
    }
    fields: dict[str, object] = dict(
        serial=serial,
        created=created,
        hosts=dict(HOSTS),
        urls=dict(URLS),
        directories=directories,
        repositories={
            ("fedora-41", "x86_64"): REPO_DIR,
            ("rawhide", "x86_64"): RAWHIDE_DIR,
            ("fedora-source-41", "source"): SOURCE_DIR,
            ("fedora-40", "x86_64"): REPO_DIR,
        },
        disabled_repositories=frozenset({("fedora-40", "x86_64")}),
        repository_redirects={"fedora-rawhide": "rawhide"},
        country_continent_redirects={"IL": "EU"},
        netblock_countries={"100.64.0.0/10": "AT"},
        netblock_asns=(("203.0.113.0/24", 64500),),
        embargoed_countries=frozenset({"KP"}),
    )
    fields.update(changes)
    return Snapshot(**fields)  # type: ignore[arg-type]
