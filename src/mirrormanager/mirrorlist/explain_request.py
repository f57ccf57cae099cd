"""One explain request end to end: load the snapshot as a worker does, resolve the request
and the client, and run `core.explain`. `mirrormanager explain` and the web UI's "Would
this host be offered?" form both call `explain_request`, so they cannot disagree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from mirrormanager.core.explain import Explanation, explain
from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options
from mirrormanager.core.selection_index import METALINK_PROTOCOLS, MIRRORLIST_PROTOCOLS, Client
from mirrormanager.core.targets import LookupFailure, resolve_path, resolve_repo
from mirrormanager.errors import InputError
from mirrormanager.mirrorlist.app import ServerConfig
from mirrormanager.mirrorlist.geoip import open_geoip
from mirrormanager.mirrorlist.handlers import parse_protocols
from mirrormanager.mirrorlist.state import default_decoder, load
from mirrormanager.settings import Settings


@dataclass(frozen=True, slots=True)
class ExplainRequest:
    repo: str | None = None
    arch: str | None = None
    path: str | None = None
    address: str | None = None  # the client's IP address
    country: str | None = None  # the client's country, instead of a GeoIP lookup
    protocol: str | None = None  # comma list, as in protocol=
    metalink: bool = False
    snapshot_path: Path | None = None
    seed: int | None = None


def explain_request(settings: Settings, request: ExplainRequest) -> Explanation:
    """The explanation of one request; InputError names the argument at fault."""
    repo, arch, path, address = request.repo, request.arch, request.path, request.address
    if bool(repo) != bool(arch) or bool(repo) == bool(path):
        raise InputError("give either --repo and --arch, or --path")
    config = ServerConfig.from_settings(settings, snapshot=request.snapshot_path)
    loaded = load(
        config.snapshot_path,
        minimum=config.minimum,
        embargoed=config.embargoed_countries,
        decoder=default_decoder,
        strict_family=config.strict_family,
        distance_order=config.distance_order,
    )
    try:
        if repo and arch:
            target = resolve_repo(loaded.snapshot, repo, arch, metalink=request.metalink)
        else:
            target = resolve_path(loaded.snapshot, path or "", metalink=request.metalink)
    except LookupFailure as failure:
        what = f"path {failure.path!r}" if failure.path else f"repo {failure.repo!r} arch "
        what += "" if failure.path else repr(failure.arch)
        raise InputError(
            f"the snapshot has no answer for {what}: {failure.kind.replace('_', ' ')}",
            hint=f"snapshot {config.snapshot_path}, serial {loaded.snapshot.serial}",
        ) from None
    try:
        client_address = parse_address(address) if address else None
    except ValueError:
        raise InputError(f"--ip {address!r} is not an IP address") from None
    position = None
    geo_country = (request.country or "").upper()
    if client_address is not None and not request.country:
        geoip = open_geoip(config.geoip_path)
        geo_country, position = geoip.locate(client_address)
    client = Client(
        client_address, loaded.index.client_country(client_address, geo_country), position
    )
    default = METALINK_PROTOCOLS if request.metalink else MIRRORLIST_PROTOCOLS
    protocol = request.protocol
    options = Options(protocols=parse_protocols(protocol) if protocol else default)
    if not options.protocols:
        raise InputError(f"--protocol {protocol!r} names none of https, http, ftp, rsync")
    return explain(loaded.index, target, client, options, random.Random(request.seed))
