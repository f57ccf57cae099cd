"""Repoint repositories at other directories: the SOP's release and archive moves.

Both moves share one shape: choose repositories, compute each one's new directory, refuse
when a target is missing, then change all of them in one transaction (or only list the
changes with dry_run). Clients keep asking for the same `repo=` prefix; only where the
mirrors find it changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Category, Directory, Product, Repository, Version
from mirrormanager.errors import InputError, NothingToDoError
from mirrormanager.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Move:
    repository_id: int
    prefix: str | None
    arch: str | None
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class MoveReport:
    moves: list[Move]
    missing: list[str]  # target directories that do not exist in the database
    dry_run: bool


def _category(session: Session, name: str) -> Category:
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        known = ", ".join(session.scalars(select(Category.name).order_by(Category.name)))
        raise InputError(f"unknown category {name!r}", hint=f"known categories: {known}")
    return category


def _apply(
    session: Session,
    moves: list[Move],
    targets: dict[str, Directory],
    *,
    category: Category | None,
    version: Version | None,
) -> None:
    for move in moves:
        repo = session.get(Repository, move.repository_id)
        assert repo is not None
        directory = targets[move.new]
        repo.directory_id = directory.id
        repo.name = directory.name
        if category is not None:
            repo.category_id = category.id
        if version is not None:
            repo.version_id = version.id
        log.info(
            "repository repointed", prefix=move.prefix, arch=move.arch, old=move.old, new=move.new
        )
    session.commit()


def _plan_moves(
    session: Session, rows: Sequence[Any], wanted: dict[str, str]
) -> tuple[list[Move], list[str], dict[str, Directory]]:
    """Moves for (repository, directory name) rows to `wanted` names.

    A target that is not in the database is reported missing; one that already has its own
    repository is left alone (Repository.name is unique, and that one already serves it).
    """
    targets = {
        d.name: d
        for d in session.scalars(select(Directory).where(Directory.name.in_(wanted.values())))
    }
    taken = set(
        session.scalars(select(Repository.name).where(Repository.name.in_(wanted.values())))
    )
    moves, missing = [], []
    for repo, name in rows:
        new = wanted[name]
        if new not in targets:
            missing.append(new)
        elif new not in taken:
            arch = repo.arch.name if repo.arch else None
            moves.append(Move(repo.id, repo.prefix, arch, name, new))
    return moves, missing, targets


def move_devel_to_release(
    session: Session, *, version: str, category: str, dry_run: bool = False
) -> MoveReport:
    """Repoint `development/<version>/…` repositories at `releases/<version>/…`."""
    cat = _category(session, category)
    ver = session.scalar(
        select(Version).where(Version.product_id == cat.product_id, Version.name == version)
    )
    if ver is None:
        product = session.get(Product, cat.product_id)
        raise InputError(
            f"unknown version {version!r} of product {product.name if product else '?'}",
            hint="a release directory creates its version at the next umdl scan",
        )
    needle = f"/development/{version}/"
    rows = session.execute(
        select(Repository, Directory.name)
        .join(Directory, Directory.id == Repository.directory_id)
        .where(
            Repository.category_id == cat.id,
            Repository.prefix.is_not(None),
            Directory.name.contains(needle, autoescape=True),
        )
        .order_by(Directory.name)
    ).all()
    if not rows:
        raise NothingToDoError(
            f"no repository of category {category!r} points at development/{version}",
            hint="already moved, or not scanned yet",
        )
    wanted = {name: name.replace(needle, f"/releases/{version}/", 1) for _, name in rows}
    moves, missing, targets = _plan_moves(session, rows, wanted)
    if not moves:
        raise NothingToDoError(
            f"none of the {len(rows)} development/{version} repositories has a releases/"
            f"{version} directory in the database",
            hint="scan the master tree first (mirrormanager umdl); missing: "
            + ", ".join(missing[:5]),
        )
    if not dry_run:
        _apply(session, moves, targets, category=None, version=ver)
    return MoveReport(moves, missing, dry_run)


def move_to_archive(
    session: Session,
    *,
    original_category: str,
    directory_re: str,
    archive_category: str = "Fedora Archive",
    dry_run: bool = False,
) -> MoveReport:
    """Repoint repositories whose directory matches `directory_re` at the archive copy.

    The archive copy is the archive category's top directory plus the directory name
    without its leading `pub/` (pub/epel/4/x86_64 → pub/archive/epel/4/x86_64).
    """
    try:
        pattern = re.compile(directory_re)
    except re.error as exc:
        raise InputError(
            f"--directoryRe {directory_re!r} is not a regular expression: {exc}"
        ) from None
    source = _category(session, original_category)
    archive = _category(session, archive_category)
    top = session.get(Directory, archive.topdir_id) if archive.topdir_id else None
    if top is None:
        raise InputError(f"category {archive_category!r} has no top directory; scan it first")
    rows = [
        (repo, name)
        for repo, name in session.execute(
            select(Repository, Directory.name)
            .join(Directory, Directory.id == Repository.directory_id)
            .where(Repository.category_id == source.id)
            .order_by(Directory.name)
        )
        if pattern.search(name)
    ]
    if not rows:
        raise NothingToDoError(
            f"no repository of category {original_category!r} matches {directory_re!r}",
            hint="already archived, or the expression matches nothing",
        )
    wanted = {name: f"{top.name}/{name.removeprefix('pub/')}" for _, name in rows}
    moves, missing, targets = _plan_moves(session, rows, wanted)
    if not moves:
        raise NothingToDoError(
            f"no archive copy exists for the {len(rows)} matching repositories",
            hint="copy them to the archive and scan it first; missing: " + ", ".join(missing[:5]),
        )
    if not dry_run:
        _apply(session, moves, targets, category=archive, version=None)
    return MoveReport(moves, missing, dry_run)
