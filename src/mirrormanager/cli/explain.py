"""`mirrormanager explain`: why each host is or is not in one /mirrorlist or /metalink answer.

Read-only and without a database: the snapshot is loaded as a mirrorlist worker loads it
(same decoder, same index and settings), the request resolved and the hosts chosen by the
server's own code, then every host of the snapshot gets its verdict (`core.explain`).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option, setting_file_option


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
@setting_file_option(
    "--snapshot", "snapshot_path", help="Snapshot file (default: snapshot_file setting)."
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
    from mirrormanager.mirrorlist.explain_request import ExplainRequest, explain_request

    request = ExplainRequest(
        repo=repo,
        arch=arch,
        path=path,
        address=address,
        country=country,
        protocol=protocol,
        metalink=metalink,
        snapshot_path=snapshot_path,
        seed=seed,
    )
    result = explain_request(app_context().settings, request)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.text(), nl=False)
