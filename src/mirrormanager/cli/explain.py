"""`mirrormanager explain`: why each host is or is not in one /mirrorlist or /metalink answer.

Read-only and without a database: the snapshot is loaded as a mirrorlist worker loads it
(same decoder, same index and settings), the request resolved and the hosts chosen by the
server's own code, then every host of the snapshot gets its verdict (`core.explain`).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.errors import InputError


@click.command("explain")
@config_option
@click.option("--repo", default=None, help="Repository prefix, as in repo= (needs --arch).")
@click.option("--arch", default=None, help="Architecture, as in arch= (needs --repo).")
@click.option("--path", default=None, help="A directory or file under the master tree (path=).")
@click.option("--ip", "address", default=None, help="The client's address (default: unknown).")
@click.option(
    "--country",
    default=None,
    metavar="CC",
    help="The client's country (ISO code) as GeoIP would give it; default: looked up from "
    "--ip in geoip_database (a NetblockCountry override still wins).",
)
@click.option(
    "--protocol",
    default=None,
    help="Comma list of protocols, as in protocol= (default: the endpoint's).",
)
@click.option(
    "--metalink", is_flag=True, help="Explain the /metalink answer (default /mirrorlist)."
)
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Snapshot file (default: snapshot_file setting).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.option("--seed", type=int, default=None, help="Seed the shuffles (repeatable answers).")
def explain_command(
    repo: str | None,
    arch: str | None,
    path: str | None,
    address: str | None,
    country: str | None,
    protocol: str | None,
    metalink: bool,
    snapshot_path: Path | None,
    as_json: bool,
    seed: int | None,
) -> None:
    """Show which step offered each host for a request, and why every other host was not
    offered (inactive, stale repodata, country not allowed, private, wrong family, …)."""
    from mirrormanager.core.explain import explain
    from mirrormanager.core.netblocks import parse_address
    from mirrormanager.core.selection import (
        METALINK_PROTOCOLS,
        MIRRORLIST_PROTOCOLS,
        Client,
        Options,
    )
    from mirrormanager.core.targets import LookupFailure, resolve_path, resolve_repo
    from mirrormanager.mirrorlist.app import ServerConfig
    from mirrormanager.mirrorlist.geoip import open_geoip
    from mirrormanager.mirrorlist.handlers import parse_protocols
    from mirrormanager.mirrorlist.state import default_decoder, load

    if bool(repo) != bool(arch) or bool(repo) == bool(path):
        raise InputError("give either --repo and --arch, or --path")
    config = ServerConfig.from_settings(app_context().settings, snapshot=snapshot_path)
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
            target = resolve_repo(loaded.snapshot, repo, arch, metalink=metalink)
        else:
            target = resolve_path(loaded.snapshot, path or "", metalink=metalink)
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
    geo_country = (country or "").upper()
    if client_address is not None and not country:
        geoip = open_geoip(config.geoip_path)
        geo_country, position = geoip.locate(client_address)
    client = Client(
        client_address, loaded.index.client_country(client_address, geo_country), position
    )
    default = METALINK_PROTOCOLS if metalink else MIRRORLIST_PROTOCOLS
    options = Options(protocols=parse_protocols(protocol) if protocol else default)
    if not options.protocols:
        raise InputError(f"--protocol {protocol!r} names none of https, http, ftp, rsync")
    result = explain(loaded.index, target, client, options, random.Random(seed))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.text(), nl=False)
