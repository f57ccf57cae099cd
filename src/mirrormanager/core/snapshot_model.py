"""The snapshot: everything a mirrorlist server needs, and nothing else (pure data).

This is the contract between the snapshot builder (reads the database) and the mirrorlist
server (never touches the database). Both the native codec and the MirrorManager2
protobuf codec translate to and from these classes, so the server has one input shape.

Conventions:
- countries and continents are upper-case ISO codes; "" means unknown;
- directory names are full master-relative paths without leading slash, as in the
  database (`pub/fedora/linux/updates/41/Everything/x86_64`);
- a host's URL for a directory is `url + "/" + subpath` (subpath "" = the top directory);
- only what a client may be given is here: active hosts, public URLs, up-to-date dirs
  (and the stale-but-partial ones, with the few files they lack).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT_VERSION = 2  # 2: per-file precision (DirectoryEntry.partial, …)


@dataclass(frozen=True, slots=True)
class HostInfo:
    """An active host, as the selection steps see it."""

    id: int
    name: str
    country: str
    bandwidth: int  # Mbit/s, clamped to 1..100000: the weight of the weighted shuffle
    max_connections: int
    private: bool  # the host or its site is private: only reachable by netblock/ASN
    internet2: bool = False
    internet2_clients: bool = False
    asn: int | None = None
    asn_clients: bool = True
    countries_allowed: tuple[str, ...] = ()
    netblocks: tuple[str, ...] = ()  # normalised CIDRs ("10.0.0.0/8", "2001:db8::/32")
    peer_asns: tuple[int, ...] = ()
    locations: tuple[str, ...] = ()
    # what the crawler found: None = unknown, which counts as reachable
    reachable_ipv4: bool | None = None
    reachable_ipv6: bool | None = None
    # where the host is (the web form's values); None: unknown, its country's centroid
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class HostUrl:
    """A public URL of a host's category: the category top directory on that mirror."""

    id: int
    host_id: int
    url: str  # no trailing slash, e.g. "https://mirror.example.org/fedora/linux"

    @property
    def protocol(self) -> str:
        return self.url.split(":", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class FileDetailInfo:
    """One generation of a file (repomd.xml, an ISO) for metalink hashes."""

    timestamp: int
    size: int
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    sha512: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A directory some up-to-date host carries."""

    name: str
    subpath: str  # below the category top directory
    # (host id, ids of that host's URLs for this directory's category), one per host
    # carrying an up-to-date copy (or always_up2date), public and private alike.
    hosts: tuple[tuple[int, tuple[int, ...]], ...]
    ordered_mirrorlist: bool = True
    # file name -> generations, newest first: [0] is current, the rest metalink alternates
    files: dict[str, tuple[FileDetailInfo, ...]] = field(default_factory=dict)
    # Per-file precision (issue 13 part 5; see docs/mirrorlist-server.md). `partial`: hosts
    # whose copy is stale but lacks only the files `missing` names for them: candidates
    # for their other files, never for the directory itself. `recent`: files newer than
    # some host's last verdict on this directory (name -> master mtime); `verified`: the
    # epoch of that verdict, for those hosts only. A host absent from `verified` vouches
    # for every file.
    partial: tuple[tuple[int, tuple[int, ...]], ...] = ()
    missing: dict[int, frozenset[str]] = field(default_factory=dict)
    recent: dict[str, int] = field(default_factory=dict)
    verified: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One immutable generation of mirrorlist data."""

    serial: int  # increases with every build
    created: int  # epoch seconds
    hosts: dict[int, HostInfo]
    urls: dict[int, HostUrl]
    directories: dict[str, DirectoryEntry]
    # (repo prefix, arch) -> directory name
    repositories: dict[tuple[str, str], str]
    disabled_repositories: frozenset[tuple[str, str]] = frozenset()
    repository_redirects: dict[str, str] = field(default_factory=dict)
    country_continent_redirects: dict[str, str] = field(default_factory=dict)
    netblock_countries: dict[str, str] = field(default_factory=dict)  # CIDR -> country
    # Global routing table: (CIDR, ASN); large (hundreds of thousands of rows).
    netblock_asns: tuple[tuple[str, int], ...] = ()
    embargoed_countries: frozenset[str] = frozenset()
    locations: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> host ids
