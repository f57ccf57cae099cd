"""MirrorManager2's mirrorlist_cache.proto: exact schema, both directions, malformed input."""

from __future__ import annotations

import dataclasses

import pytest
from google.protobuf.descriptor import FieldDescriptor

from mirrormanager.core.snapshot_model import HostInfo
from mirrormanager.errors import FormatError
from mirrormanager.formats import mm2_cache_pb2 as pb
from mirrormanager.formats.mm2_protobuf import mm2_to_snapshot, snapshot_to_mm2
from tests.data.snapshots import REPODATA, tiny_snapshot

REPO_DIR = REPODATA.rsplit("/", 1)[0]

# (field name, number, label, type or message) exactly as in MirrorManager2's schema.
MIRROR_LIST = [
    ("Time", 1, "required", "uint64"),
    ("NetblockCountryCache", 2, "repeated", "StringStringMap"),
    ("LocationCache", 3, "repeated", "StringRepeatedIntMap"),
    ("HCUrlCache", 4, "repeated", "IntStringMap"),
    ("FileDetailsCache", 5, "repeated", "FileDetailsCacheDirectoryType"),
    ("DisabledRepositoryCache", 6, "repeated", "StringBoolMap"),
    ("CountryContinentRedirectCache", 7, "repeated", "StringStringMap"),
    ("RepositoryRedirectCache", 8, "repeated", "StringStringMap"),
    ("RepoArchToDirectoryName", 9, "repeated", "StringStringMap"),
    ("HostAsnCache", 10, "repeated", "IntRepeatedIntMap"),
    ("HostMaxConnectionCache", 11, "repeated", "IntIntMap"),
    ("HostCountryCache", 12, "repeated", "IntStringMap"),
    ("HostBandwidthCache", 13, "repeated", "IntIntMap"),
    ("HostCountryAllowedCache", 14, "repeated", "IntRepeatedStringMap"),
    ("HostNetblockCache", 15, "repeated", "StringRepeatedIntMap"),
    ("MirrorListCache", 16, "repeated", "MirrorListCacheType"),
]
MIRROR_LIST_CACHE = [
    ("directory", 1, "required", "string"),
    ("Global", 2, "repeated", "int64"),
    ("Subpath", 3, "optional", "string"),
    ("ByCountry", 4, "repeated", "StringRepeatedIntMap"),
    ("ByCountryInternet2", 5, "repeated", "StringRepeatedIntMap"),
    ("ByHostId", 6, "repeated", "IntRepeatedIntMap"),
    ("OrderedMirrorList", 7, "optional", "bool"),
]
FILE_DETAILS = [
    ("TimeStamp", 1, "required", "uint64"),
    ("Size", 2, "required", "uint64"),
    ("SHA1", 3, "optional", "string"),
    ("MD5", 4, "optional", "string"),
    ("SHA256", 5, "optional", "string"),
    ("SHA512", 6, "optional", "string"),
]
MAPS = {
    "StringStringMap": ("string", "string", False),
    "StringRepeatedIntMap": ("string", "int64", True),
    "IntRepeatedStringMap": ("int64", "string", True),
    "IntStringMap": ("int64", "string", False),
    "IntIntMap": ("int64", "int64", False),
    "IntRepeatedIntMap": ("int64", "int64", True),
    "StringBoolMap": ("string", "bool", False),
}
_TYPES = {
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "bool",
}


def _describe(message: object) -> list[tuple[str, int, str, str]]:
    out = []
    for fd in message.DESCRIPTOR.fields:  # type: ignore[attr-defined]
        label = "repeated" if fd.is_repeated else "required" if fd.is_required else "optional"
        kind = fd.message_type.name if fd.message_type else _TYPES[fd.type]
        out.append((fd.name, fd.number, label, kind))
    return out


def test_schema_matches_mirrormanager2() -> None:
    assert pb.DESCRIPTOR.package == "mirrormanager"
    assert _describe(pb.MirrorList) == MIRROR_LIST
    assert _describe(pb.MirrorListCacheType) == MIRROR_LIST_CACHE
    assert _describe(pb.FileDetailsType) == FILE_DETAILS
    assert _describe(pb.FileDetailsCacheFilesType) == [
        ("filename", 1, "required", "string"),
        ("FileDetails", 2, "repeated", "FileDetailsType"),
    ]
    assert _describe(pb.FileDetailsCacheDirectoryType) == [
        ("directory", 1, "required", "string"),
        ("FileDetailsCacheFiles", 2, "repeated", "FileDetailsCacheFilesType"),
    ]
    for name, (key, value, repeated) in MAPS.items():
        assert _describe(getattr(pb, name)) == [
            ("key", 1, "required", key),
            ("value", 2, "repeated" if repeated else "required", value),
        ]


def test_wire_bytes_use_mirrormanager2_field_numbers() -> None:
    # Field 1 varint (tag 0x08), then field 4 length-delimited (tag 0x22) = HCUrlCache.
    msg = pb.MirrorList(Time=5)
    msg.HCUrlCache.add(key=7, value="http://m/")
    assert msg.SerializeToString() == b"\x08\x05\x22\x0d\x08\x07\x12\x09http://m/"


def test_our_snapshot_as_mm2_message() -> None:
    msg = pb.MirrorList()
    msg.ParseFromString(snapshot_to_mm2(tiny_snapshot()))
    assert msg.Time == 1_790_000_100
    assert {i.key: i.value for i in msg.HCUrlCache} == {
        10: "https://m1.example.de/fedora/linux",
        11: "http://m1.example.de/fedora/linux",
        20: "https://m2.example.us/pub/fedora/linux",
        30: "http://campus.example.de/fedora",
    }
    assert {i.key: i.value for i in msg.RepoArchToDirectoryName} == {
        "updates-released-f41+x86_64": REPO_DIR
    }
    assert {i.key: i.value for i in msg.DisabledRepositoryCache} == {"updates-released-f41": True}
    assert {i.key: i.value for i in msg.RepositoryRedirectCache} == {"fedora-rawhide": "rawhide"}
    assert {i.key: i.value for i in msg.CountryContinentRedirectCache} == {"IL": "EU"}
    assert {i.key: i.value for i in msg.NetblockCountryCache} == {"203.0.113.0/24": "JP"}
    assert {i.key: list(i.value) for i in msg.HostAsnCache} == {64500: [1], 64501: [1]}
    assert {i.key: list(i.value) for i in msg.HostNetblockCache} == {
        "192.0.2.0/24": [1],
        "198.51.100.0/24": [3],
    }
    assert {i.key: i.value for i in msg.HostBandwidthCache} == {1: 1000, 2: 50, 3: 10}
    assert {i.key: i.value for i in msg.HostCountryCache} == {1: "DE", 2: "US", 3: "DE"}
    assert {i.key: i.value for i in msg.HostMaxConnectionCache} == {1: 2, 2: 1, 3: 1}
    assert {i.key: list(i.value) for i in msg.HostCountryAllowedCache} == {1: ["DE", "AT"]}
    assert {i.key: list(i.value) for i in msg.LocationCache} == {"cloud": [2]}
    caches = {c.directory: c for c in msg.MirrorListCache}
    repodata = caches[REPODATA]
    assert repodata.Subpath == "updates/41/Everything/x86_64/repodata"
    assert repodata.OrderedMirrorList is False
    assert list(repodata.Global) == [1, 2]  # the private host 3 is never global
    assert {i.key: list(i.value) for i in repodata.ByCountry} == {"DE": [1], "US": [2]}
    assert {i.key: list(i.value) for i in repodata.ByCountryInternet2} == {"US": [2]}
    assert {i.key: list(i.value) for i in repodata.ByHostId} == {1: [10, 11], 2: [20], 3: [30]}
    (cached,) = msg.FileDetailsCache
    assert cached.directory == REPODATA
    (files,) = cached.FileDetailsCacheFiles
    assert files.filename == "repomd.xml"
    newest, older = files.FileDetails
    assert (newest.TimeStamp, newest.Size, newest.SHA256, newest.MD5) == (
        1_790_000_000,
        4321,
        "c" * 64,
        "a" * 32,
    )
    assert older.HasField("SHA256") and not older.HasField("MD5")


def test_hand_made_mm2_message_as_our_snapshot() -> None:
    msg = pb.MirrorList(Time=1_700_000_000)
    msg.HCUrlCache.add(key=100, value="https://a.example/pub/fedora/linux/")
    msg.HCUrlCache.add(key=200, value="http://hidden.example/fedora")
    msg.HostCountryCache.add(key=1, value="fr")
    msg.HostCountryCache.add(key=2, value="DE")
    msg.HostBandwidthCache.add(key=1, value=500)
    msg.HostBandwidthCache.add(key=2, value=0)
    msg.HostNetblockCache.add(key="10.0.0.0/8", value=[2])
    msg.HostAsnCache.add(key=64500, value=[1, 2])
    msg.HostCountryAllowedCache.add(key=1, value=["fr", "BE"])
    msg.RepoArchToDirectoryName.add(key="fedora-41+x86_64", value="pub/f/41/x86_64")
    msg.RepoArchToDirectoryName.add(key="fedora-41+aarch64", value="pub/f/41/aarch64")
    msg.RepoArchToDirectoryName.add(key="epel+next-9+x86_64", value="pub/e/next/9")
    msg.DisabledRepositoryCache.add(key="fedora-41", value=True)
    msg.DisabledRepositoryCache.add(key="epel+next-9", value=False)
    cache = msg.MirrorListCache.add(directory="pub/f/41/x86_64", Subpath="41/x86_64")
    cache.Global.append(1)
    cache.ByCountry.add(key="FR", value=[1])
    cache.ByHostId.add(key=2, value=[200])
    cache.ByHostId.add(key=1, value=[100])
    other = msg.MirrorListCache.add(directory="pub/f/41/aarch64", Subpath="41/aarch64")
    other.ByHostId.add(key=1, value=[100])
    other.ByHostId.add(key=2, value=[200])
    files = msg.FileDetailsCache.add(directory="pub/f/41/x86_64/repodata")
    files.FileDetailsCacheFiles.add(filename="repomd.xml").FileDetails.add(
        TimeStamp=9, Size=10, SHA256="f" * 64
    )

    snap = mm2_to_snapshot(msg.SerializeToString())
    assert (snap.serial, snap.created) == (1_700_000_000, 1_700_000_000)
    assert snap.hosts[1] == HostInfo(
        id=1,
        name="",
        country="FR",
        bandwidth=500,
        max_connections=1,
        private=False,
        peer_asns=(64500,),
        countries_allowed=("FR", "BE"),
    )
    assert snap.hosts[2].private and snap.hosts[2].bandwidth == 1
    assert snap.hosts[2].netblocks == ("10.0.0.0/8",)
    assert (
        snap.urls[100].host_id == 1 and snap.urls[100].url == "https://a.example/pub/fedora/linux"
    )
    assert snap.urls[200].host_id == 2
    entry = snap.directories["pub/f/41/x86_64"]
    assert entry.subpath == "41/x86_64" and entry.ordered_mirrorlist is True
    assert entry.hosts == ((1, (100,)), (2, (200,)))
    assert snap.directories["pub/f/41/aarch64"].hosts is entry.hosts  # shared when equal
    repodata = snap.directories["pub/f/41/x86_64/repodata"]
    assert repodata.hosts == () and repodata.files["repomd.xml"][0].sha256 == "f" * 64
    assert repodata.files["repomd.xml"][0].md5 is None
    assert snap.repositories[("epel+next-9", "x86_64")] == "pub/e/next/9"
    # MM2 disables a prefix: every arch of it.
    assert snap.disabled_repositories == {("fedora-41", "x86_64"), ("fedora-41", "aarch64")}


def test_round_trip_keeps_what_the_format_carries() -> None:
    snap = tiny_snapshot()
    back = mm2_to_snapshot(snapshot_to_mm2(snap))
    assert back.created == snap.created
    assert back.urls == snap.urls
    assert back.repositories == snap.repositories
    assert back.disabled_repositories == snap.disabled_repositories
    assert back.repository_redirects == snap.repository_redirects
    assert back.country_continent_redirects == snap.country_continent_redirects
    assert back.netblock_countries == snap.netblock_countries
    assert back.locations == snap.locations
    for name, entry in snap.directories.items():
        got = back.directories[name]
        assert (got.subpath, got.hosts, got.ordered_mirrorlist, got.files) == (
            entry.subpath,
            entry.hosts,
            entry.ordered_mirrorlist,
            entry.files,
        )
    for hid, host in snap.hosts.items():
        got = back.hosts[hid]
        assert (got.country, got.bandwidth, got.private, got.netblocks) == (
            host.country,
            host.bandwidth,
            host.private,
            host.netblocks,
        )
        assert got.countries_allowed == host.countries_allowed
        assert set(got.peer_asns) == set(host.peer_asns) | ({host.asn} - {None})
    # What MM2 cannot carry:
    assert back.netblock_asns == () and back.embargoed_countries == frozenset()
    assert {h.name for h in back.hosts.values()} == {""}
    # A second trip changes nothing more.
    assert mm2_to_snapshot(snapshot_to_mm2(back)) == back


def test_asn_of_a_host_without_asn_clients_is_not_exported() -> None:
    snap = tiny_snapshot()
    hosts = dict(snap.hosts)
    hosts[1] = dataclasses.replace(hosts[1], asn_clients=False)
    msg = pb.MirrorList()
    msg.ParseFromString(snapshot_to_mm2(dataclasses.replace(snap, hosts=hosts)))
    assert list(msg.HostAsnCache) == []


@pytest.mark.parametrize(
    "raw,reason",
    [
        (b"", "no Time|not a MirrorManager2"),
        (b"\xff\xff\xff", "not a MirrorManager2"),
        (b"\x22\x05\x08", "not a MirrorManager2"),  # truncated sub-message
        (b"\x12\x02\x0a\x00", "not a MirrorManager2"),  # no Time, required map value missing
        (
            pb.MirrorList(Time=1).SerializeToString() + b"\x4a\x07\x0a\x03abc\x12\x00",
            "not prefix\\+arch",
        ),
    ],
)
def test_malformed_protobuf_is_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        mm2_to_snapshot(raw)


def test_url_of_an_unknown_host_is_dropped_not_invented() -> None:
    msg = pb.MirrorList(Time=1)
    msg.HCUrlCache.add(key=5, value="http://orphan/")
    assert mm2_to_snapshot(msg.SerializeToString()).urls == {}


def test_generated_module_matches_the_proto_source(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """mm2_cache_pb2.py must be regenerated whenever mm2_cache.proto changes."""
    protoc = pytest.importorskip("grpc_tools.protoc")
    from pathlib import Path

    from google.protobuf import descriptor_pb2

    source = Path(pb.__file__).with_name("mm2_cache.proto")
    out = tmp_path / "set.pb"
    args = ["protoc", f"-I{source.parent}", f"--descriptor_set_out={out}", str(source)]
    assert protoc.main(args) == 0
    fresh = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    for message in fresh.message_type:
        for fd in message.field:
            fd.ClearField("json_name")  # protoc adds it to descriptor sets only
    assert fresh == descriptor_pb2.FileDescriptorProto.FromString(pb.DESCRIPTOR.serialized_pb)
