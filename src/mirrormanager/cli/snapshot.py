"""`mirrormanager snapshot` (= mm2_update-mirrorlist-server): build and publish the snapshot.

`snapshot` alone builds (as `snapshot build` does); `snapshot show FILE` describes a file;
`snapshot publish` pushes the file to the mirrorlist servers (rsync), `snapshot fetch URL`
pulls it on a server that downloads it over HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option, setting_file_option
from mirrormanager.formats import snapshot_codec
from mirrormanager.formats.snapshot_file import detect_format
from mirrormanager.snapshot.publish import (
    RsyncPusher,
    fetch_snapshot,
    make_client,
    push_snapshot,
    unique_targets,
)
from mirrormanager.snapshot.service import FORMATS, SnapshotFormat, build_and_publish
from mirrormanager.snapshot.store import load_snapshot

_output_option = setting_file_option(
    "-o", "--output", help="Snapshot file to publish (default: the snapshot_file setting)."
)
_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="native",
    show_default=True,
    help="native, or MirrorManager2's mirrorlist_cache.proto for its Rust mirrorlist-server.",
)


def _build(output: Path | None, fmt: SnapshotFormat) -> None:
    app = app_context()
    session = app.session()
    try:
        result = build_and_publish(session, app.settings, app.engine, output=output, fmt=fmt)
    finally:
        session.close()
    click.echo(result.summary())


@click.group("snapshot", invoke_without_command=True)
@config_option
@_output_option
@_format_option
@click.pass_context
def snapshot(ctx: click.Context, output: Path | None, fmt: SnapshotFormat) -> None:
    """Build the mirrorlist snapshot from the database and publish it atomically."""
    if ctx.invoked_subcommand is None:
        _build(output, fmt)


@snapshot.command("build")
@config_option
@_output_option
@_format_option
def build_command(output: Path | None, fmt: SnapshotFormat) -> None:
    """Build the snapshot and publish it (the previous one is kept in old/)."""
    _build(output, fmt)


@snapshot.command("show")
@config_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def show_command(file: Path) -> None:
    """Check a snapshot file (native or MirrorManager2 protobuf) and print what it holds."""
    raw = file.read_bytes()
    fmt = detect_format(raw)
    click.echo(f"file: {file} ({len(raw)} bytes, format {fmt})")
    if fmt == "native":
        header = snapshot_codec.read_header(raw)
        compressed = "zstd" if header.compressed else "none"
        click.echo(
            f"header: version {header.version}, body {header.body_length} bytes "
            f"(compression {compressed}), sha256 {header.sha256}"
        )
    snap = load_snapshot(file)
    created = dt.datetime.fromtimestamp(snap.created, dt.UTC).isoformat()
    click.echo(f"serial: {snap.serial}\ncreated: {created}")
    private = sum(1 for h in snap.hosts.values() if h.private)
    protocols = Counter(u.protocol for u in snap.urls.values())
    click.echo(f"hosts: {len(snap.hosts)} ({private} private)")
    click.echo(
        "urls: "
        + str(len(snap.urls))
        + (" (" + ", ".join(f"{p} {n}" for p, n in sorted(protocols.items())) + ")")
        * bool(protocols)
    )
    carried = sum(1 for d in snap.directories.values() if d.hosts)
    click.echo(f"directories: {len(snap.directories)} ({carried} with hosts)")
    click.echo(
        f"repositories: {len(snap.repositories)} ({len(snap.disabled_repositories)} disabled, "
        f"{len(snap.repository_redirects)} redirects)"
    )
    click.echo(
        f"netblocks: {sum(len(h.netblocks) for h in snap.hosts.values())} host, "
        f"{len(snap.netblock_countries)} country overrides, {len(snap.netblock_asns)} ASN"
    )
    click.echo(f"embargoed countries: {', '.join(sorted(snap.embargoed_countries)) or '-'}")


@snapshot.command("publish")
@config_option
@setting_file_option("--file", help="Snapshot file to push (default: the snapshot_file setting).")
@click.option(
    "-t",
    "--target",
    "targets",
    multiple=True,
    metavar="DEST",
    help="rsync destination, e.g. proxy01:/var/lib/mirrormanager/ (over ssh) or a local "
    "folder; repeatable, added to the snapshot_publish_targets setting.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=None,
    help="rsync I/O and ssh connect timeout in seconds (default: snapshot_publish_timeout).",
)
@click.pass_context
def publish_command(
    ctx: click.Context, file: Path | None, targets: tuple[str, ...], timeout: float | None
) -> None:
    """Check the snapshot and push it to every target with rsync (atomic on the receiver).

    Exits 1 when any target failed (the others are still pushed), 5 when the snapshot is
    corrupt (nothing is pushed).
    """
    settings = app_context().settings
    all_targets = unique_targets(settings.snapshot_publish_targets, targets)
    if not all_targets:
        raise click.UsageError("no target: pass --target DEST or set snapshot_publish_targets")
    seconds = timeout or settings.snapshot_publish_timeout
    path = Path(file or settings.effective_snapshot_file)
    report = push_snapshot(path, all_targets, pusher=RsyncPusher(timeout=seconds))
    snap = report.snapshot
    click.echo(f"snapshot {snap.path} ({snap.format}): serial {snap.serial}, {snap.bytes} bytes")
    for result in report.results:
        if result.ok:
            click.echo(f"{result.target}: ok ({result.seconds:.2f}s)")
        else:
            click.echo(f"{result.target}: failed: {result.error}", err=True)
    if report.failed:
        click.echo(f"{len(report.failed)} of {len(report.results)} targets failed", err=True)
        ctx.exit(1)


@snapshot.command("fetch")
@config_option
@click.argument("url")
@setting_file_option(
    "-o",
    "--output",
    help="Where to write it (default: the snapshot_file setting); the ETag goes to FILE.etag.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=None,
    help="HTTP timeout in seconds (default: snapshot_publish_timeout).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse a larger download (default: snapshot_fetch_max_bytes).",
)
def fetch_command(
    url: str, output: Path | None, timeout: float | None, max_bytes: int | None
) -> None:
    """Download the snapshot from URL if it changed (ETag), check it, and publish it
    atomically (the previous one is kept in old/). A corrupt download changes nothing."""
    settings = app_context().settings
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("must be an http:// or https:// URL", param_hint="URL")
    target = Path(output or settings.effective_snapshot_file)
    seconds = timeout or settings.snapshot_publish_timeout
    limit = max_bytes or settings.snapshot_fetch_max_bytes
    with make_client(seconds) as client:
        result = fetch_snapshot(client, url, target, max_bytes=limit)
    click.echo(result.summary())
