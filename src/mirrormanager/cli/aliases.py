"""The SOP's command names (MirrorManager2's), as thin aliases of `mirrormanager …`."""

from __future__ import annotations

import sys

import click

from mirrormanager.cli.checkin import report_mirror_command as _report_mirror
from mirrormanager.cli.context import run_cli
from mirrormanager.cli.crawl import crawl_command as _crawl
from mirrormanager.cli.crawl_mm2 import mm2_crawler, pick_command
from mirrormanager.cli.maintenance import (
    emergency_expire_repo_command,
    move_devel_to_release_command,
    move_to_archive_command,
)
from mirrormanager.cli.snapshot import snapshot as _snapshot
from mirrormanager.cli.umdl import umdl as _umdl


def umdl() -> None:
    run_cli(_umdl, "mm2_update-master-directory-list")


def update_mirrorlist_server() -> None:
    run_cli(_snapshot, "mm2_update-mirrorlist-server")


def crawler() -> None:
    """Both shapes: MirrorManager2's group (`mm2_crawler [OPTIONS] crawl`) and the flat one;
    `mm2_crawler --help` shows both."""
    args = sys.argv[1:]
    if args in (["--help"], ["-h"]):
        for shape in (_crawl, mm2_crawler):
            shape.main(args=["--help"], prog_name="mm2_crawler", standalone_mode=False)
            click.echo()
        sys.exit(0)
    run_cli(pick_command(args), "mm2_crawler")


def move_devel_to_release() -> None:
    run_cli(move_devel_to_release_command, "mm2_move-devel-to-release")


def move_to_archive() -> None:
    run_cli(move_to_archive_command, "mm2_move-to-archive")


def emergency_expire_repo() -> None:
    run_cli(emergency_expire_repo_command, "mm2_emergency-expire-repo")


def report_mirror() -> None:
    run_cli(_report_mirror, "report_mirror")
