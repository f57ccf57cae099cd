"""MirrorManager2's ``mirrorlist_cache.proto`` file, written and read (pure: bytes in/out).

Writing it lets an existing Rust ``mirrorlist-server`` serve our data; reading it lets our
server start from a cache made by MirrorManager2's ``generate-mirrorlist-cache``. The schema
(``mm2_cache.proto`` beside this module) keeps MM2's message names and field numbers.

The MM2 format carries less than a :class:`Snapshot`; a round trip through it loses:
- host names (read back as ""), serials (the serial is read back as the creation time);
- a host's own ASN versus its peer ASNs (``HostAsnCache`` merges both, and only for hosts
  with ``asn_clients``): read back, they are all peer ASNs;
- ``internet2_clients`` of public hosts; ``internet2`` of hosts in no Internet2 list;
- disabling per arch: MM2 disables a repository *prefix*, so one disabled arch disables
  the prefix for every arch (read back: every arch of a disabled prefix is disabled);
- the global netblock→ASN table and the embargoed countries (separate inputs in MM2);
- hosts that carry no directory and URLs no directory uses.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from google.protobuf.message import DecodeError

from mirrormanager.core.snapshot_model import (
    DirectoryEntry,
    FileDetailInfo,
    HostInfo,
    HostUrl,
    Snapshot,
)
from mirrormanager.errors import FormatError
from mirrormanager.formats import mm2_cache_pb2

# The generated module builds its classes at import time; mypy cannot see them.
pb: Any = mm2_cache_pb2

HostPair = tuple[int, tuple[int, ...]]


def snapshot_to_mm2(snapshot: Snapshot) -> bytes:
    """Serialise a snapshot as MirrorManager2's ``MirrorList`` message."""
    s = snapshot
    msg = pb.MirrorList(Time=max(0, s.created))
    for cidr, country in s.netblock_countries.items():
        msg.NetblockCountryCache.add(key=cidr, value=country)
    for name, members in s.locations.items():
        msg.LocationCache.add(key=name, value=members)
    for url in s.urls.values():
        msg.HCUrlCache.add(key=url.id, value=url.url)
    for entry in s.directories.values():
        if entry.files:
            cached = msg.FileDetailsCache.add(directory=entry.name)
            for filename, generations in entry.files.items():
                files = cached.FileDetailsCacheFiles.add(filename=filename)
                for d in generations:
                    details = files.FileDetails.add(TimeStamp=max(0, d.timestamp), Size=d.size)
                    for field, value in (
                        ("SHA1", d.sha1),
                        ("MD5", d.md5),
                        ("SHA256", d.sha256),
                        ("SHA512", d.sha512),
                    ):
                        if value is not None:
                            setattr(details, field, value)
    for prefix in sorted({prefix for prefix, _arch in s.disabled_repositories}):
        msg.DisabledRepositoryCache.add(key=prefix, value=True)
    for country, continent in s.country_continent_redirects.items():
        msg.CountryContinentRedirectCache.add(key=country, value=continent)
    for source, target in s.repository_redirects.items():
        msg.RepositoryRedirectCache.add(key=source, value=target)
    for (prefix, arch), directory in s.repositories.items():
        msg.RepoArchToDirectoryName.add(key=f"{prefix}+{arch}", value=directory)

    asn_hosts: dict[int, list[int]] = defaultdict(list)
    netblock_hosts: dict[str, list[int]] = defaultdict(list)
    for host in s.hosts.values():
        if host.asn_clients:
            for asn in dict.fromkeys(
                ([host.asn] if host.asn is not None else []) + list(host.peer_asns)
            ):
                asn_hosts[asn].append(host.id)
        for cidr in host.netblocks:
            netblock_hosts[cidr].append(host.id)
        msg.HostMaxConnectionCache.add(key=host.id, value=host.max_connections)
        msg.HostCountryCache.add(key=host.id, value=host.country)
        msg.HostBandwidthCache.add(key=host.id, value=host.bandwidth)
        if host.countries_allowed:
            msg.HostCountryAllowedCache.add(key=host.id, value=host.countries_allowed)
    for asn, asn_members in asn_hosts.items():
        msg.HostAsnCache.add(key=asn, value=asn_members)
    for cidr, cidr_members in netblock_hosts.items():
        msg.HostNetblockCache.add(key=cidr, value=cidr_members)

    for entry in s.directories.values():
        if not entry.hosts:
            continue
        cache = msg.MirrorListCache.add(
            directory=entry.name,
            Subpath=entry.subpath,
            OrderedMirrorList=entry.ordered_mirrorlist,
        )
        by_country: dict[str, list[int]] = defaultdict(list)
        by_country_i2: dict[str, list[int]] = defaultdict(list)
        for host_id, url_ids in entry.hosts:
            info = s.hosts.get(host_id)
            cache.ByHostId.add(key=host_id, value=url_ids)
            if info is None:
                continue
            if not info.private:
                cache.Global.append(host_id)
                by_country[info.country].append(host_id)
            if info.internet2 and (not info.private or info.internet2_clients):
                by_country_i2[info.country].append(host_id)
        for country, in_country in by_country.items():
            cache.ByCountry.add(key=country, value=in_country)
        for country, in_country in by_country_i2.items():
            cache.ByCountryInternet2.add(key=country, value=in_country)
    return msg.SerializeToString()  # type: ignore[no-any-return]


def mm2_to_snapshot(raw: bytes) -> Snapshot:
    """Read a MirrorManager2 ``MirrorList`` message; FormatError when it does not parse."""
    msg = pb.MirrorList()
    try:
        msg.ParseFromString(bytes(raw))
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise FormatError(f"not a MirrorManager2 mirrorlist cache: {exc}") from None
    if not msg.HasField("Time"):
        raise FormatError("not a MirrorManager2 mirrorlist cache: no Time field")
    try:
        return _from_message(msg)
    except (ValueError, TypeError, KeyError) as exc:
        raise FormatError(f"MirrorManager2 mirrorlist cache is inconsistent: {exc}") from None


def _from_message(msg: Any) -> Snapshot:
    url_host: dict[int, int] = {}
    public: set[int] = set()
    internet2: set[int] = set()
    shared_pairs: dict[HostPair, HostPair] = {}
    shared_sets: dict[tuple[HostPair, ...], tuple[HostPair, ...]] = {}
    entries: dict[str, tuple[str, tuple[HostPair, ...], bool]] = {}
    for cache in msg.MirrorListCache:
        pairs = []
        for item in cache.ByHostId:
            pair = (int(item.key), tuple(int(v) for v in item.value))
            pairs.append(shared_pairs.setdefault(pair, pair))
            for url_id in pair[1]:
                url_host[url_id] = pair[0]
        members = tuple(sorted(pairs))
        public.update(cache.Global)
        for item in cache.ByCountryInternet2:
            internet2.update(item.value)
        ordered = cache.OrderedMirrorList if cache.HasField("OrderedMirrorList") else True
        entries[cache.directory] = (
            cache.Subpath,
            shared_sets.setdefault(members, members),
            ordered,
        )

    def int_map(items: Any) -> dict[int, int]:
        return {int(i.key): int(i.value) for i in items}

    countries = {int(i.key): i.value.upper() for i in msg.HostCountryCache}
    bandwidths = int_map(msg.HostBandwidthCache)
    max_connections = int_map(msg.HostMaxConnectionCache)
    allowed = {int(i.key): tuple(c.upper() for c in i.value) for i in msg.HostCountryAllowedCache}
    netblocks: dict[int, list[str]] = defaultdict(list)
    for item in msg.HostNetblockCache:
        for host_id in item.value:
            netblocks[int(host_id)].append(item.key)
    asns: dict[int, list[int]] = defaultdict(list)
    for item in msg.HostAsnCache:
        for host_id in item.value:
            asns[int(host_id)].append(int(item.key))
    locations = {i.key: tuple(int(v) for v in i.value) for i in msg.LocationCache}
    host_locations: dict[int, list[str]] = defaultdict(list)
    for name, ids in locations.items():
        for host_id in ids:
            host_locations[host_id].append(name)

    host_ids = set(url_host.values()) | set(countries) | set(bandwidths)
    hosts = {
        hid: HostInfo(
            id=hid,
            name="",
            country=countries.get(hid, ""),
            bandwidth=max(1, min(100_000, bandwidths.get(hid, 1))),
            max_connections=max_connections.get(hid, 1),
            private=hid not in public,
            internet2=hid in internet2,
            internet2_clients=hid in internet2 and hid not in public,
            asn=None,
            asn_clients=True,
            countries_allowed=allowed.get(hid, ()),
            netblocks=tuple(netblocks.get(hid, ())),
            peer_asns=tuple(asns.get(hid, ())),
            locations=tuple(host_locations.get(hid, ())),
        )
        for hid in sorted(host_ids)
    }
    urls = {
        int(i.key): HostUrl(id=int(i.key), host_id=url_host[int(i.key)], url=i.value.rstrip("/"))
        for i in msg.HCUrlCache
        if int(i.key) in url_host
    }

    files: dict[str, dict[str, tuple[FileDetailInfo, ...]]] = {}
    for cached in msg.FileDetailsCache:
        files[cached.directory] = {
            f.filename: tuple(
                FileDetailInfo(
                    timestamp=int(d.TimeStamp),
                    size=int(d.Size),
                    md5=d.MD5 if d.HasField("MD5") else None,
                    sha1=d.SHA1 if d.HasField("SHA1") else None,
                    sha256=d.SHA256 if d.HasField("SHA256") else None,
                    sha512=d.SHA512 if d.HasField("SHA512") else None,
                )
                for d in f.FileDetails
            )
            for f in cached.FileDetailsCacheFiles
        }

    repositories: dict[tuple[str, str], str] = {}
    for item in msg.RepoArchToDirectoryName:
        prefix, plus, arch = item.key.rpartition("+")
        if not plus:
            raise ValueError(f"RepoArchToDirectoryName key {item.key!r} is not prefix+arch")
        repositories[(prefix, arch)] = item.value
    disabled_prefixes = {i.key for i in msg.DisabledRepositoryCache if i.value}

    directories: dict[str, DirectoryEntry] = {}
    for name in list(entries) + [n for n in files if n not in entries]:
        subpath, dir_hosts, ordered = entries.get(name, ("", (), True))
        directories[name] = DirectoryEntry(
            name=name,
            subpath=subpath,
            hosts=dir_hosts,
            ordered_mirrorlist=ordered,
            files=files.get(name, {}),
        )
    time = int(msg.Time)
    return Snapshot(
        serial=time,
        created=time,
        hosts=hosts,
        urls=urls,
        directories=directories,
        repositories=repositories,
        disabled_repositories=frozenset(k for k in repositories if k[0] in disabled_prefixes),
        repository_redirects={i.key: i.value for i in msg.RepositoryRedirectCache},
        country_continent_redirects={
            i.key.upper(): i.value.upper() for i in msg.CountryContinentRedirectCache
        },
        netblock_countries={i.key: i.value.upper() for i in msg.NetblockCountryCache},
        locations=locations,
    )
