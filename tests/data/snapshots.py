"""The hand-built snapshots of the tests, without a database; one module for all of them.

- :func:`build`: nine hosts in seven countries carrying Fedora 41, rawhide, source and an
  ISO directory, with netblocks, an ASN, a private and a country-restricted host. The
  mirrorlist server and selection tests ask it questions.
- :func:`tiny_snapshot`: three hosts (two public, one private) and three directories, the
  smallest snapshot that still uses every field. The format tests freeze its encoding
  (golden sha256 in ``test_snapshot_codec.py``), so it stays as it is, separate from
  :func:`build`.
- :func:`snapshots`: a hypothesis strategy for codec round trips.

A snapshot built from database rows comes from :mod:`tests.factories` (small) or
:class:`mirrormanager.demo.world.DemoWorld` (the demo network).
"""

from __future__ import annotations

from hypothesis import strategies as st

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


# --- the tiny snapshot of the format tests, and a strategy -------------------------------------

REPODATA = "pub/fedora/linux/updates/41/Everything/x86_64/repodata"


def tiny_snapshot() -> Snapshot:
    """Two public hosts (one Internet2, one with ASN and netblocks), one private host."""
    hosts = {
        1: HostInfo(
            1,
            "m1.example.de",
            "DE",
            1000,
            2,
            False,
            asn=64500,
            peer_asns=(64501,),
            netblocks=("192.0.2.0/24",),
            countries_allowed=("DE", "AT"),
        ),
        2: HostInfo(2, "m2.example.us", "US", 50, 1, False, internet2=True, locations=("cloud",)),
        3: HostInfo(3, "campus.example.de", "DE", 10, 1, True, netblocks=("198.51.100.0/24",)),
    }
    urls = {
        10: HostUrl(10, 1, "https://m1.example.de/fedora/linux"),
        11: HostUrl(11, 1, "http://m1.example.de/fedora/linux"),
        20: HostUrl(20, 2, "https://m2.example.us/pub/fedora/linux"),
        30: HostUrl(30, 3, "http://campus.example.de/fedora"),
    }
    all_hosts = ((1, (10, 11)), (2, (20,)), (3, (30,)))
    repo_dir = REPODATA.rsplit("/", 1)[0]
    details = (
        FileDetailInfo(1_790_000_000, 4321, "a" * 32, "b" * 40, "c" * 64, "d" * 128),
        FileDetailInfo(1_789_990_000, 4300, None, None, "e" * 64, None),
    )
    return Snapshot(
        serial=5,
        created=1_790_000_100,
        hosts=hosts,
        urls=urls,
        directories={
            repo_dir: DirectoryEntry(repo_dir, "updates/41/Everything/x86_64", all_hosts),
            REPODATA: DirectoryEntry(
                REPODATA,
                "updates/41/Everything/x86_64/repodata",
                all_hosts,
                ordered_mirrorlist=False,
                files={"repomd.xml": details},
            ),
            "pub/fedora/linux/releases/41": DirectoryEntry(
                "pub/fedora/linux/releases/41", "releases/41", ((1, (10, 11)),)
            ),
        },
        repositories={("updates-released-f41", "x86_64"): repo_dir},
        disabled_repositories=frozenset({("updates-released-f41", "x86_64")}),
        repository_redirects={"fedora-rawhide": "rawhide"},
        country_continent_redirects={"IL": "EU"},
        netblock_countries={"203.0.113.0/24": "JP"},
        netblock_asns=(("192.0.2.0/24", 64500), ("2001:db8::/32", 64501)),
        embargoed_countries=frozenset({"KP", "CU"}),
        locations={"cloud": (2,)},
    )


_text = st.text(max_size=12)
_code = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
_id = st.integers(min_value=1, max_value=2**40)
_u63 = st.integers(min_value=0, max_value=2**63 - 1)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    host_ids = draw(st.lists(_id, max_size=5, unique=True))
    hosts = {
        h: HostInfo(
            id=h,
            name=draw(_text),
            country=draw(_code),
            bandwidth=draw(st.integers(1, 100_000)),
            max_connections=draw(st.integers(1, 100)),
            private=draw(st.booleans()),
            internet2=draw(st.booleans()),
            internet2_clients=draw(st.booleans()),
            asn=draw(st.none() | st.integers(1, 2**32 - 1)),
            asn_clients=draw(st.booleans()),
            countries_allowed=tuple(draw(st.lists(_code, max_size=3))),
            netblocks=tuple(draw(st.lists(_text, max_size=3))),
            peer_asns=tuple(draw(st.lists(st.integers(1, 2**32 - 1), max_size=3))),
            locations=tuple(draw(st.lists(_text, max_size=2))),
        )
        for h in host_ids
    }
    urls = {}
    for u in draw(st.lists(_id, max_size=6, unique=True)):
        if host_ids:
            urls[u] = HostUrl(u, draw(st.sampled_from(host_ids)), draw(_text))
    pair = st.tuples(_id, st.lists(_id, max_size=3).map(tuple))
    detail = st.builds(
        FileDetailInfo,
        _u63,
        _u63,
        st.none() | _text,
        st.none() | _text,
        st.none() | _text,
        st.none() | _text,
    )
    names = draw(st.lists(_text, max_size=4, unique=True))
    file_set = st.frozensets(_text, max_size=3)
    directories = {
        n: DirectoryEntry(
            n,
            draw(_text),
            tuple(draw(st.lists(pair, max_size=3))),
            draw(st.booleans()),
            draw(st.dictionaries(_text, st.lists(detail, max_size=3).map(tuple), max_size=2)),
            partial=tuple(draw(st.lists(pair, max_size=2))),
            missing=draw(st.dictionaries(_id, file_set, max_size=2)),
            recent=draw(st.dictionaries(_text, _u63, max_size=2)),
            verified=draw(st.dictionaries(_id, _u63, max_size=2)),
        )
        for n in names
    }
    repos = draw(st.dictionaries(st.tuples(_text, _text), _text, max_size=4))
    return Snapshot(
        serial=draw(_u63),
        created=draw(st.integers(-(2**62), 2**62)),
        hosts=hosts,
        urls=urls,
        directories=directories,
        repositories=repos,
        disabled_repositories=frozenset(
            draw(st.sets(st.sampled_from(list(repos) or [("a", "b")])))
        ),
        repository_redirects=draw(st.dictionaries(_text, _text, max_size=3)),
        country_continent_redirects=draw(st.dictionaries(_code, _code, max_size=3)),
        netblock_countries=draw(st.dictionaries(_text, _code, max_size=3)),
        netblock_asns=tuple(draw(st.lists(st.tuples(_text, st.integers(0, 2**32)), max_size=4))),
        embargoed_countries=frozenset(draw(st.sets(_code, max_size=3))),
        locations=draw(st.dictionaries(_text, st.lists(_id, max_size=3).map(tuple), max_size=2)),
    )
