"""The native snapshot file: versioned, checksummed, compact and safe to load (no pickle).

Layout (all integers big-endian)::

    offset size
         0    7  magic b"MMSNAP\\x00"
         7    1  format version (2; version 1 files still load)
         8    1  flags: bit 0 = body compressed with zstd
         9    3  reserved, zero
        12    8  serial (unsigned)
        20    8  created, epoch seconds (signed)
        28    8  body length in bytes (as stored, i.e. compressed when flag 0 is set)
        36   32  sha256 of the stored body
        68    4  crc32 of bytes 0..67 (so a damaged serial or length is caught too)
        72    …  body

The body is one msgpack map with short keys. Host sets are stored once and referenced by
index, each as a packed array of little-endian uint32 indexes into the (host, urls) pairs
(no Python int per member while loading): at Fedora scale many directories share a set,
and the decoder rebuilds
them as shared tuples, so a loaded snapshot stays small in memory too.

Version 2 adds per-file precision: each directory row ends with ``None`` (nearly all) or
(partial host pairs as packed indexes, [(host id, file-name set)], [(file name, mtime)],
[(host id, verdict epoch)]); file names and name sets are interned in ``file_names`` and
``file_sets`` (packed indexes into ``file_names``).
"""

from __future__ import annotations

import array
import dataclasses
import hashlib
import struct
import sys
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

import msgpack
import zstandard

from mirrormanager.core.snapshot_model import (
    FORMAT_VERSION,
    DirectoryEntry,
    FileDetailInfo,
    HostInfo,
    HostUrl,
    Snapshot,
)
from mirrormanager.errors import FormatError

HostSet = tuple[tuple[int, tuple[int, ...]], ...]
MAGIC = b"MMSNAP\x00"
FLAG_ZSTD = 0x01
_HEAD = struct.Struct(">7sBB3xQqQ32s")
_CRC = struct.Struct(">I")
HEADER_SIZE = _HEAD.size + _CRC.size  # 72
ZSTD_LEVEL = 3
# Version 1 files (before per-file precision) still load: they have no partial hosts.
READABLE_VERSIONS = (1, FORMAT_VERSION)


@dataclass(frozen=True, slots=True)
class Header:
    """What a snapshot file says about itself, readable without decoding the body."""

    version: int
    serial: int
    created: int
    body_length: int
    sha256: str  # hex digest of the stored body
    compressed: bool

    @property
    def file_size(self) -> int:
        return HEADER_SIZE + self.body_length


def encode(snapshot: Snapshot, *, compress: bool = True) -> bytes:
    """The snapshot as a native snapshot file."""
    if not 0 <= snapshot.serial < 2**64:
        raise ValueError(f"snapshot serial {snapshot.serial} does not fit in 64 unsigned bits")
    if not -(2**63) <= snapshot.created < 2**63:
        raise ValueError(f"snapshot creation time {snapshot.created} is out of range")
    body = msgpack.packb(_to_plain(snapshot), use_bin_type=True)
    flags = 0
    if compress:
        body = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body)
        flags |= FLAG_ZSTD
    head = _HEAD.pack(
        MAGIC,
        FORMAT_VERSION,
        flags,
        snapshot.serial,
        snapshot.created,
        len(body),
        hashlib.sha256(body).digest(),
    )
    return head + _CRC.pack(zlib.crc32(head)) + body


def read_header(source: bytes | bytearray | memoryview | str | Path | IO[bytes]) -> Header:
    """Parse and check the fixed header only (cheap: the body is neither read nor hashed)."""
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source[:HEADER_SIZE])
    elif isinstance(source, str | Path):
        try:
            with open(source, "rb") as fh:
                raw = fh.read(HEADER_SIZE)
        except OSError as exc:
            raise FormatError(f"cannot read snapshot {source}: {exc.strerror}") from None
    else:
        raw = source.read(HEADER_SIZE)
    return _parse_header(raw)


def _parse_header(raw: bytes) -> Header:
    if len(raw) < len(MAGIC) or raw[: len(MAGIC)] != MAGIC:
        raise FormatError("not a MirrorManager snapshot (bad magic)")
    if len(raw) < HEADER_SIZE:
        raise FormatError(f"snapshot truncated: header has {len(raw)} of {HEADER_SIZE} bytes")
    head = raw[: _HEAD.size]
    (crc,) = _CRC.unpack_from(raw, _HEAD.size)
    if zlib.crc32(head) != crc:
        raise FormatError("snapshot header is corrupt (header checksum mismatch)")
    _magic, version, flags, serial, created, length, digest = _HEAD.unpack(head)
    if version not in READABLE_VERSIONS:
        raise FormatError(
            f"snapshot format version {version} is not supported (this build reads "
            f"{', '.join(map(str, READABLE_VERSIONS))})",
            hint="run the snapshot builder and the mirrorlist servers from the same release",
        )
    if flags & ~FLAG_ZSTD:
        raise FormatError(f"snapshot header has unknown flags {flags:#04x}")
    return Header(version, serial, created, length, digest.hex(), bool(flags & FLAG_ZSTD))


def decode(raw: bytes | bytearray | memoryview) -> Snapshot:
    """A snapshot from a native file's bytes; anything wrong raises FormatError."""
    header = _parse_header(bytes(raw[:HEADER_SIZE]))
    body = memoryview(raw)[HEADER_SIZE:]
    if len(body) < header.body_length:
        raise FormatError(f"snapshot truncated: body has {len(body)} of {header.body_length} bytes")
    if len(body) > header.body_length:
        raise FormatError(f"snapshot has {len(body) - header.body_length} bytes of trailing data")
    if hashlib.sha256(body).hexdigest() != header.sha256:
        raise FormatError("snapshot body is corrupt (sha256 mismatch)")
    data = bytes(body)
    if header.compressed:
        try:
            data = zstandard.ZstdDecompressor().decompress(data)
        except zstandard.ZstdError as exc:
            raise FormatError(f"snapshot body does not decompress: {exc}") from None
    try:
        plain = msgpack.unpackb(data, raw=False, use_list=False, strict_map_key=False)
        return _from_plain(plain, header)
    except FormatError:
        raise
    except (msgpack.UnpackException, ValueError, TypeError, KeyError, IndexError) as exc:
        raise FormatError(f"snapshot body is malformed: {type(exc).__name__}: {exc}") from None


def _to_plain(s: Snapshot) -> dict[str, Any]:
    pair_index: dict[int, int] = {}  # id(pair) -> index; the builder shares pair objects
    pairs: list[tuple[int, tuple[int, ...]]] = []
    set_index: dict[int, int] = {}
    sets: list[bytes] = []

    def set_members(hosts: HostSet) -> bytes:
        ids = list(map(id, hosts))
        for pair, key in zip(hosts, ids, strict=True):
            if key not in pair_index:  # rare: only the first time a pair is seen
                pair_index[key] = len(pairs)
                pairs.append(pair)
        return _pack_u32(map(pair_index.__getitem__, ids))

    names = _Interner()
    directories = []
    for entry in s.directories.values():
        hosts = entry.hosts
        if not hosts:
            set_idx = -1
        else:
            set_idx = set_index.get(id(hosts), -1)
            if set_idx < 0:
                set_idx = set_index[id(hosts)] = len(sets)
                sets.append(set_members(hosts))
        directories.append(
            (
                entry.name,
                entry.subpath,
                set_idx,
                entry.ordered_mirrorlist,
                [
                    (name, [_detail_plain(d) for d in details])
                    for name, details in entry.files.items()
                ],
                _coverage_plain(entry, set_members, names),
            )
        )
    return {
        "hosts": [_host_plain(h) for h in s.hosts.values()],
        "urls": [(u.id, u.host_id, u.url) for u in s.urls.values()],
        "pairs": pairs,
        "sets": sets,
        "dirs": directories,
        "repos": [(p, a, d) for (p, a), d in s.repositories.items()],
        "disabled": sorted(s.disabled_repositories),
        "repo_redirects": s.repository_redirects,
        "continent_redirects": s.country_continent_redirects,
        "netblock_countries": s.netblock_countries,
        "asn_cidrs": [c for c, _ in s.netblock_asns],
        "asn_numbers": [a for _, a in s.netblock_asns],
        "embargoed": sorted(s.embargoed_countries),
        "locations": {name: list(ids) for name, ids in s.locations.items()},
        "file_names": names.names,
        "file_sets": names.sets,
    }


class _Interner:
    """File names and sets of them, each stored once (many hosts lack the same files)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sets: list[bytes] = []
        self._name_index: dict[str, int] = {}
        self._set_index: dict[frozenset[str], int] = {}

    def name(self, name: str) -> int:
        found = self._name_index.get(name)
        if found is None:
            found = self._name_index[name] = len(self.names)
            self.names.append(name)
        return found

    def set(self, names: frozenset[str]) -> int:
        found = self._set_index.get(names)
        if found is None:
            found = self._set_index[names] = len(self.sets)
            self.sets.append(_pack_u32(sorted(map(self.name, names))))
        return found


def _coverage_plain(
    entry: DirectoryEntry, set_members: Callable[[HostSet], bytes], names: _Interner
) -> tuple[Any, ...] | None:
    """(partial pairs, [(host, name set)], [(name, mtime)], [(host, verdict)]) or None."""
    if not (entry.partial or entry.missing or entry.recent or entry.verified):
        return None
    return (
        set_members(entry.partial),
        [(host, names.set(missing)) for host, missing in sorted(entry.missing.items())],
        [(names.name(name), mtime) for name, mtime in sorted(entry.recent.items())],
        sorted(entry.verified.items()),
    )


def _host_plain(h: HostInfo) -> tuple[Any, ...]:
    return (
        h.id,
        h.name,
        h.country,
        h.bandwidth,
        h.max_connections,
        h.private,
        h.internet2,
        h.internet2_clients,
        h.asn,
        h.asn_clients,
        h.countries_allowed,
        h.netblocks,
        h.peer_asns,
        h.locations,
        # added after format 1 was published: decoders accept rows without them
        h.reachable_ipv4,
        h.reachable_ipv6,
        h.latitude,
        h.longitude,
    )


def _detail_plain(d: FileDetailInfo) -> tuple[Any, ...]:
    return (d.timestamp, d.size, d.md5, d.sha1, d.sha256, d.sha512)


def _from_plain(p: Any, header: Header) -> Snapshot:
    if not isinstance(p, dict):
        raise FormatError("snapshot body is malformed: not a map")
    hosts = {}
    for row in p["hosts"]:
        (hid, name, country, bw, maxc, priv, i2, i2c, asn, asn_clients, ca, nb, peers, locs) = row[
            :14
        ]
        reach4, reach6, latitude, longitude = (*row[14:18], None, None, None, None)[:4]
        hosts[hid] = HostInfo(
            id=_int(hid),
            name=_str(name),
            country=_str(country),
            bandwidth=_int(bw),
            max_connections=_int(maxc),
            private=bool(priv),
            internet2=bool(i2),
            internet2_clients=bool(i2c),
            asn=None if asn is None else _int(asn),
            asn_clients=bool(asn_clients),
            countries_allowed=_strs(ca),
            netblocks=_strs(nb),
            peer_asns=_ints(peers),
            locations=_strs(locs),
            reachable_ipv4=_opt_bool(reach4),
            reachable_ipv6=_opt_bool(reach6),
            latitude=_opt_float(latitude),
            longitude=_opt_float(longitude),
        )
    urls = {_int(i): HostUrl(id=i, host_id=_int(h), url=_str(u)) for i, h, u in p["urls"]}
    pairs = [(_int(h), _ints(u)) for h, u in p["pairs"]]
    sets = [_pick(pairs, _unpack_u32(members)) for members in p["sets"]]
    v2 = header.version >= 2
    file_names = _strs(p["file_names"]) if v2 else ()
    name_list = list(file_names)
    file_sets = [
        frozenset(_pick(name_list, _unpack_u32(members)))
        for members in (p["file_sets"] if v2 else ())
    ]
    directories = {}
    for row in p["dirs"]:
        if v2:
            name, subpath, set_idx, ordered, files, coverage = row
        else:
            (name, subpath, set_idx, ordered, files), coverage = row, None
        if set_idx < -1:
            raise ValueError(f"negative host set index {set_idx}")
        entry = DirectoryEntry(
            name=name,
            subpath=_str(subpath),
            hosts=() if set_idx == -1 else sets[set_idx],
            ordered_mirrorlist=bool(ordered),
            files={
                _str(fname): tuple(
                    FileDetailInfo(_int(t), _int(sz), md5, sha1, sha256, sha512)
                    for t, sz, md5, sha1, sha256, sha512 in gens
                )
                for fname, gens in files
            },
        )
        if coverage is not None:
            entry = _with_coverage(entry, coverage, pairs, file_names, file_sets)
        directories[_str(name)] = entry
    return Snapshot(
        serial=header.serial,
        created=header.created,
        hosts=hosts,
        urls=urls,
        directories=directories,
        repositories={(_str(pr), _str(a)): _str(d) for pr, a, d in p["repos"]},
        disabled_repositories=frozenset((_str(pr), _str(a)) for pr, a in p["disabled"]),
        repository_redirects=_str_map(p["repo_redirects"]),
        country_continent_redirects=_str_map(p["continent_redirects"]),
        netblock_countries=_str_map(p["netblock_countries"]),
        netblock_asns=tuple(zip(_strs(p["asn_cidrs"]), _ints(p["asn_numbers"]), strict=True)),
        embargoed_countries=frozenset(_strs(p["embargoed"])),
        locations={_str(k): _ints(v) for k, v in p["locations"].items()},
    )


def _with_coverage(
    entry: DirectoryEntry,
    coverage: Any,
    pairs: list[Any],
    file_names: tuple[str, ...],
    file_sets: list[frozenset[str]],
) -> DirectoryEntry:
    partial, missing, recent, verified = coverage
    return dataclasses.replace(
        entry,
        partial=_pick(pairs, _unpack_u32(partial)),
        missing={_int(host): file_sets[_int(idx)] for host, idx in missing},
        recent={file_names[_int(idx)]: _int(mtime) for idx, mtime in recent},
        verified={_int(host): _int(epoch) for host, epoch in verified},
    )


def _pack_u32(values: Iterable[int]) -> bytes:
    packed = array.array("I", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def _unpack_u32(raw: Any) -> array.array[int]:
    if type(raw) is not bytes or len(raw) % 4:
        raise TypeError("a host set is not a packed array of uint32")
    packed = array.array("I")
    packed.frombytes(raw)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed


def _pick(pairs: list[Any], members: array.array[int]) -> tuple[Any, ...]:
    """pairs[i] for i in members, as one tuple (itemgetter does it in C)."""
    if not members:
        return ()
    if len(members) == 1:
        return (pairs[members[0]],)
    got: tuple[Any, ...] = itemgetter(*members)(pairs)
    return got


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _opt_float(value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _ints(values: Iterable[Any]) -> tuple[int, ...]:
    out = tuple(values)
    if not all(type(v) is int for v in out):
        raise TypeError("expected a list of integers")
    return out


def _strs(values: Iterable[Any]) -> tuple[str, ...]:
    out = tuple(values)
    if not all(type(v) is str for v in out):
        raise TypeError("expected a list of strings")
    return out


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError("expected a map")
    return {_str(k): _str(v) for k, v in value.items()}
