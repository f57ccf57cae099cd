"""`mirrormanager demo`: build the demo master tree, scan it and show what was found."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirrormanager.cli.context import AppContext
from mirrormanager.cli.progress import terminal_progress
from mirrormanager.cli.umdl import print_scan_summary
from mirrormanager.db import migrate
from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import Arch, Category, CategoryDirectory, Product, Repository, Version
from mirrormanager.demo_tree import build_demo_tree
from mirrormanager.scanner.service import scan


def write_demo_config(directory: Path) -> Path:
    """A settings file that points every path into the demo directory."""
    config = directory / "mirrormanager.toml"
    config.write_text(
        "# Written by `mirrormanager demo`: everything lives in this folder.\n"
        f'data_dir = "{directory}"\n'
        f'log_dir = "{directory / "log"}"\n'
        f'master_prefix = "{directory / "master"}"\n',
        encoding="utf-8",
    )
    return config


def print_inventory(session: Session) -> None:
    click.echo("\nCategories:")
    for name, product, count in session.execute(
        select(Category.name, Product.name, func.count(CategoryDirectory.directory_id))
        .join(Product, Product.id == Category.product_id)
        .join(CategoryDirectory, CategoryDirectory.category_id == Category.id)
        .group_by(Category.name, Product.name)
        .order_by(Category.name)
    ):
        click.echo(f"  {name:<26} {product:<8} {count:>6} directories")
    click.echo("\nVersions:")
    for product, names in _versions(session).items():
        click.echo(f"  {product}: {', '.join(sorted(names, key=version_key))}")
    click.echo("\nRepositories (prefix, arch -> directory):")
    for prefix, arch, name in session.execute(
        select(Repository.prefix, Arch.name, Repository.name)
        .join(Arch, Arch.id == Repository.arch_id)
        .order_by(Repository.prefix, Arch.name)
    ):
        click.echo(f"  {prefix or '(no prefix)':<30} {arch:<8} {name}")


def version_key(name: str) -> tuple[int, list[int], str]:
    """Numeric versions in numeric order (9 before 10.1), named ones (rawhide) after them."""
    numbers = [int(part) for part in re.findall(r"\d+", name)]
    return (0 if numbers else 1, numbers, name)


def _versions(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for product, version in session.execute(
        select(Product.name, Version.name)
        .join(Version.product)
        .order_by(Product.name, Version.name)
    ):
        out.setdefault(product, []).append(version)
    return out


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
    help="Folder for the demo tree, database and settings.",
)
@click.option("--fresh", is_flag=True, help="Delete the folder first and start over.")
@click.option("--debug", is_flag=True, help="Log everything and show tracebacks.")
def demo_command(directory: Path, fresh: bool, debug: bool) -> None:
    """Build a demo master tree, scan it into a SQLite database and show the result."""
    directory = directory.resolve()
    if fresh and directory.exists():
        shutil.rmtree(directory)
    master = directory / "master"
    if not master.exists():
        click.echo(f"building the demo master tree in {master} …")
        tmp = directory / "master.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        summary = build_demo_tree(tmp)
        tmp.rename(master)
        click.echo(
            f"  {summary.directories} directories, {summary.files} files, "
            f"{len(summary.repositories)} repositories"
        )
    config = write_demo_config(directory)
    app = AppContext(config, debug)
    migrate.upgrade(app.engine)
    click.echo(
        f"database {app.settings.effective_database_url} at schema "
        f"{migrate.current_revision(app.engine)}"
    )
    with job_lock(app.engine, "umdl", what="master tree scan (umdl)"):
        session = app.session()
        with terminal_progress(not debug) as progress:
            result = scan(session, app.settings, progress=progress)
    print_scan_summary(result)
    print_inventory(session)
    session.close()
    click.echo(f"\nsettings: {config}\nrescan: mirrormanager umdl --config {config}")
