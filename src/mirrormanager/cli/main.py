"""The `mirrormanager` command: one entry point, one subcommand per job."""

from __future__ import annotations

import click

from mirrormanager import __version__
from mirrormanager.cli.checkin import report_mirror_command, serve_checkin
from mirrormanager.cli.config import config
from mirrormanager.cli.context import config_option, run_cli
from mirrormanager.cli.crawl import crawl_command, propagation_command
from mirrormanager.cli.db import db
from mirrormanager.cli.demo import demo_command
from mirrormanager.cli.explain import explain_command
from mirrormanager.cli.hosts import host, netblock, url
from mirrormanager.cli.import_mm2 import import_mm2_command
from mirrormanager.cli.maintenance import (
    emergency_expire_repo_command,
    move_devel_to_release_command,
    move_to_archive_command,
)
from mirrormanager.cli.map import map_command
from mirrormanager.cli.netdata import netblocks
from mirrormanager.cli.reports import report
from mirrormanager.cli.serve_mirrorlist import serve_mirrorlist
from mirrormanager.cli.sites import site
from mirrormanager.cli.snapshot import snapshot
from mirrormanager.cli.stats import stats
from mirrormanager.cli.tokens import token
from mirrormanager.cli.umdl import umdl
from mirrormanager.cli.users import user
from mirrormanager.cli.web import serve_web


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.version_option(__version__, prog_name="mirrormanager")
def cli() -> None:
    """MirrorManager: scan the master tree, check mirrors, tell clients which to use."""


cli.add_command(config)
cli.add_command(db)
cli.add_command(umdl)
cli.add_command(umdl, name="update-master-directory-list")
cli.add_command(demo_command)
cli.add_command(user)
cli.add_command(serve_web)
cli.add_command(stats)
cli.add_command(report)
cli.add_command(import_mm2_command)
cli.add_command(map_command)
for command in (
    snapshot,
    serve_mirrorlist,
    explain_command,
    netblocks,
    crawl_command,
    propagation_command,
    serve_checkin,
    report_mirror_command,
    move_devel_to_release_command,
    move_to_archive_command,
    emergency_expire_repo_command,
    site,
    host,
    url,
    netblock,
    token,
):
    cli.add_command(command)


def main() -> None:
    run_cli(cli, "mirrormanager")
