"""umdl: scan the master tree into the database, one transaction per category."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from mirrormanager.core.categories import CategorySpec
from mirrormanager.db.models import (
    Category,
    CategoryDirectory,
    Directory,
    FileDetail,
    JobRun,
    Product,
)
from mirrormanager.errors import FormatError, ScanError
from mirrormanager.logging import get_logger
from mirrormanager.scanner.apply import DirectoryWriter
from mirrormanager.scanner.details import checksum_details, repomd_detail
from mirrormanager.scanner.filelist import FileEntry
from mirrormanager.scanner.repositories import sync_repositories
from mirrormanager.scanner.retention import Generation, generations_to_delete
from mirrormanager.scanner.timelist import TimelistWalker, find_timelist
from mirrormanager.scanner.walk import CategoryWalker, KnownDir
from mirrormanager.settings import Settings

log = get_logger(__name__)

# Progress callback: (category name, directories visited, directories expected or None).
Progress = Callable[[str, int, int | None], None]


@dataclass(slots=True)
class CategoryResult:
    name: str
    ok: bool = False
    error: str | None = None
    unscannable: bool = False  # the top directory is missing/unreadable, or mass vanishing
    directories: int = 0
    listed: int = 0
    added: int = 0
    changed: int = 0
    vanished: int = 0
    deleted: int = 0
    file_details: int = 0
    repositories: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    source: str = "disk"


@dataclass(slots=True)
class ScanResult:
    categories: list[CategoryResult]
    pruned_file_details: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.categories)

    @property
    def exit_code(self) -> int:
        """0 done; 6 when a category could not be scanned (the master tree is missing,
        unreadable or mostly vanished: an operator must look at the mount), 1 for other
        partial failures (docs/operations.md)."""
        if self.ok:
            return 0
        return 6 if any(c.unscannable for c in self.categories) else 1


@dataclass(frozen=True, slots=True)
class ScanOptions:
    categories: Sequence[str] = ()
    delete: bool = False
    force: bool = False
    vanish_limit: float = 0.5
    use_timelist: bool = True


def scan(
    session: Session,
    settings: Settings,
    options: ScanOptions = ScanOptions(),
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.time,
) -> ScanResult:
    """Scan the selected categories; a failing category is rolled back and reported."""
    specs = [settings.category(name) for name in options.categories] or list(settings.categories)
    run = JobRun(job="umdl")
    session.add(run)
    session.commit()
    results = []
    for spec in specs:
        started = time.monotonic()
        result = CategoryResult(spec.name)
        try:
            _scan_category(session, settings, spec, options, result, progress, clock)
            session.commit()
            result.ok = True
        except (ScanError, OSError) as exc:
            session.rollback()
            result.error = str(exc)
            result.unscannable = isinstance(exc, ScanError)
            log.error("category skipped", category=spec.name, error=str(exc))
        result.seconds = time.monotonic() - started
        results.append(result)
        log.info(
            "category scanned" if result.ok else "category failed",
            category=spec.name,
            directories=result.directories,
            listed=result.listed,
            added=result.added,
            changed=result.changed,
            vanished=result.vanished,
            deleted=result.deleted,
            repositories=len(result.repositories),
            file_details=result.file_details,
            seconds=round(result.seconds, 3),
        )
    pruned = prune_file_details(session, settings, now=int(clock()))
    outcome = ScanResult(results, pruned)
    run = session.merge(run)
    run.finished_at = dt.datetime.now(dt.UTC)
    run.status = "ok" if outcome.ok else "failed"
    run.summary = {
        c.name: {
            "ok": c.ok,
            "directories": c.directories,
            "added": c.added,
            "vanished": c.vanished,
            "repositories": len(c.repositories),
        }
        for c in results
    }
    run.error = "; ".join(f"{c.name}: {c.error}" for c in results if c.error) or None
    session.commit()
    return outcome


def ensure_category(session: Session, spec: CategorySpec) -> Category:
    """Create the Product, Category and top Directory rows the settings describe."""
    product = session.scalar(select(Product).where(Product.name == spec.product))
    if product is None:
        product = Product(name=spec.product)
        session.add(product)
    category = session.scalar(select(Category).where(Category.name == spec.name))
    if category is None:
        category = Category(
            name=spec.name, product=product, publiclist=spec.publiclist, admin_only=spec.admin_only
        )
        session.add(category)
    elif category.product_id != product.id:
        category.product = product
    top = session.scalar(select(Directory).where(Directory.name == spec.topdir))
    if top is None:
        top = Directory(name=spec.topdir, ctime=0, readable=True, files=[])
        session.add(top)
    session.flush()
    if category.topdir_id != top.id:
        category.topdir_id = top.id
    linked = session.get(CategoryDirectory, (category.id, top.id))
    if linked is None:
        session.add(CategoryDirectory(category_id=category.id, directory_id=top.id))
    session.flush()
    return category


def _check_top(path: str, spec: CategorySpec) -> None:
    """A missing top directory (an NFS outage) must never read as 'everything deleted'."""
    if not os.path.isdir(path):
        raise ScanError(
            f"top directory {path} of category {spec.name!r} is missing",
            hint="is the master tree mounted? nothing of this category was changed",
            path=path,
        )
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        raise ScanError(
            f"top directory {path} of category {spec.name!r} is unreadable: {exc.strerror}",
            hint="nothing of this category was changed",
            path=path,
        ) from None


def _scan_category(
    session: Session,
    settings: Settings,
    spec: CategorySpec,
    options: ScanOptions,
    result: CategoryResult,
    progress: Progress | None,
    clock: Callable[[], float],
) -> None:
    top = os.path.join(str(settings.master_prefix), spec.topdir)
    _check_top(top, spec)
    category = ensure_category(session, spec)
    prefix = spec.topdir + "/"
    known: dict[str, KnownDir] = {}
    for dir_id, name, ctime, readable in session.execute(
        select(Directory.id, Directory.name, Directory.ctime, Directory.readable).where(
            (Directory.name == spec.topdir) | Directory.name.startswith(prefix, autoescape=True)
        )
    ):
        known[name[len(prefix) :] if name != spec.topdir else ""] = KnownDir(
            dir_id, ctime, readable
        )
    linked = set(
        session.scalars(
            select(CategoryDirectory.directory_id).where(
                CategoryDirectory.category_id == category.id
            )
        )
    )
    expected = sum(1 for k in known.values() if k.id in linked) or None
    patterns = [re.compile(p) for p in (*settings.scan_excludes, *spec.excludes)]

    def tick(count: int) -> None:
        if progress is not None and count % 500 == 0:
            progress(spec.name, count, expected)

    timelist = (
        find_timelist(top) if settings.scan_fullfiletimelist and options.use_timelist else None
    )
    walker: CategoryWalker | TimelistWalker
    if timelist is not None:
        log.info("reading the fullfiletimelist", category=spec.name, path=timelist.path)
        walker = TimelistWalker(
            top, known, timelist, excluded=lambda rel: any(p.fullmatch(rel) for p in patterns)
        )
    else:
        walker = CategoryWalker(top, known, excludes=patterns, on_directory=tick, clock=clock)
    writer = DirectoryWriter(
        session=session,
        category_id=category.id,
        topdir=spec.topdir,
        known=known,
        linked=linked,
        threshold=settings.short_filelist_threshold,
        keep=settings.short_filelist_keep,
    )
    for observed in walker.walk():
        writer.add(observed)
        if observed.listed and observed.files:
            _collect_details(walker, writer, observed.relpath, observed.files, top)
    writer.flush()
    report = walker.report
    if progress is not None:
        progress(spec.name, len(report.visited), len(report.visited))
    result.directories = len(report.visited)
    result.listed = report.listed
    result.source = "fullfiletimelist" if timelist is not None else "disk"
    result.added = writer.counts.added
    result.changed = writer.counts.changed
    result.file_details = writer.counts.file_details
    result.problems = report.problems
    for relpath, message in report.problems:
        log.warning(
            "scan problem", category=spec.name, path=writer.full_name(relpath), problem=message
        )
    _handle_vanished(
        session, spec, options, known, linked, report.visited, report.untouched, result, category.id
    )
    repos = sync_repositories(
        session,
        category_id=category.id,
        category_name=spec.name,
        product_id=category.product_id,
        topdir=spec.topdir,
        rules=settings.repo_rules,
    )
    result.repositories = repos.repositories
    result.versions = repos.versions


def _collect_details(
    walker: CategoryWalker | TimelistWalker,
    writer: DirectoryWriter,
    relpath: str,
    files: list[FileEntry],
    top: str,
) -> None:
    directory = os.path.join(top, relpath) if relpath else top
    if relpath.endswith("repodata") and any(f.name == "repomd.xml" for f in files):
        path = os.path.join(directory, "repomd.xml")
        try:
            writer.add_details(relpath, [repomd_detail(path)])
        except (FormatError, OSError) as exc:
            walker.report.problems.append((f"{relpath}/repomd.xml", f"skipped: {exc}"))
    writer.add_details(relpath, checksum_details(directory, files))


def _under(relpath: str, roots: list[str]) -> bool:
    return any(root == "" or relpath == root or relpath.startswith(root + "/") for root in roots)


def _handle_vanished(
    session: Session,
    spec: CategorySpec,
    options: ScanOptions,
    known: dict[str, KnownDir],
    linked: set[int],
    visited: set[str],
    untouched: list[str],
    result: CategoryResult,
    category_id: int,
) -> None:
    gone = [
        (relpath, k)
        for relpath, k in known.items()
        if relpath and k.id in linked and relpath not in visited and not _under(relpath, untouched)
    ]
    total = sum(1 for k in known.values() if k.id in linked)
    newly = [k.id for _, k in gone if k.readable]
    if not options.force and total >= 20 and len(newly) > options.vanish_limit * total:
        raise ScanError(
            f"{len(newly)} of {total} directories of category {spec.name!r} vanished at once",
            hint="refusing to mark them gone; check the master tree, or pass --force",
        )
    result.vanished = len(newly)
    for start in range(0, len(newly), 1000):
        session.execute(
            update(Directory)
            .where(Directory.id.in_(newly[start : start + 1000]))
            .values(readable=False)
        )
    if not options.delete or not gone:
        return
    ids = [k.id for _, k in gone]
    excludes = [re.compile(p) for p in spec.excludes]
    names = {k.id: relpath for relpath, k in gone}
    deletable = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        counts = session.execute(
            select(CategoryDirectory.directory_id, func.count())
            .where(CategoryDirectory.directory_id.in_(chunk))
            .group_by(CategoryDirectory.directory_id)
        )
        deletable += [
            dir_id
            for dir_id, n in counts
            if n == 1 and not any(p.fullmatch(names[dir_id]) for p in excludes)
        ]
    for start in range(0, len(deletable), 1000):
        session.execute(delete(Directory).where(Directory.id.in_(deletable[start : start + 1000])))
    result.deleted = len(deletable)
    log.info(
        "deleted vanished directories",
        category=spec.name,
        count=len(deletable),
        category_id=category_id,
    )


def prune_file_details(session: Session, settings: Settings, *, now: int) -> int:
    """Drop FileDetail generations beyond the alternates window (own transaction)."""
    rows = [
        Generation(*row)
        for row in session.execute(
            select(
                FileDetail.id, FileDetail.directory_id, FileDetail.filename, FileDetail.timestamp
            )
        )
    ]
    doomed = generations_to_delete(
        rows,
        now=now,
        keep_days=settings.file_detail_keep_days,
        keep_count=settings.file_detail_keep_count,
    )
    for start in range(0, len(doomed), 1000):
        session.execute(delete(FileDetail).where(FileDetail.id.in_(doomed[start : start + 1000])))
    session.commit()
    if doomed:
        log.info("pruned old file details", count=len(doomed))
    return len(doomed)
