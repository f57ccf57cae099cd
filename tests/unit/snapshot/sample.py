"""Snapshots for format tests: one tiny hand-made one, and a hypothesis strategy."""

from __future__ import annotations

from hypothesis import strategies as st

from mirrormanager.core.snapshot_model import (
    DirectoryEntry,
    FileDetailInfo,
    HostInfo,
    HostUrl,
    Snapshot,
)

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
