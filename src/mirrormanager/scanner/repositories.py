"""Turn repository directories into Repository rows, creating Versions and Arches on the way.

Runs after the walk of a category, from the database alone: every `…/repodata` directory
holding a repomd.xml whose parent has no Repository yet is matched against the ordered
rules. Working from the database (not only from this walk's changes) means that rules
added to the settings later apply to repositories that were already there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.core.repo_rules import RepoRule, match_repository
from mirrormanager.db.models import (
    Arch,
    CategoryDirectory,
    Directory,
    Product,
    Repository,
    Version,
)
from mirrormanager.logging import get_logger

log = get_logger(__name__)


@dataclass(slots=True)
class RepoCounts:
    repositories: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    unmatched: int = 0
    duplicates: int = 0


def sync_repositories(
    session: Session,
    *,
    category_id: int,
    category_name: str,
    product_id: int,
    topdir: str,
    rules: Sequence[RepoRule],
) -> RepoCounts:
    counts = RepoCounts()
    repodata = session.execute(
        select(Directory.id, Directory.name, Directory.files)
        .join(CategoryDirectory, CategoryDirectory.directory_id == Directory.id)
        .where(
            CategoryDirectory.category_id == category_id,
            Directory.name.endswith("/repodata", autoescape=True),
            Directory.readable.is_(True),
        )
    ).all()
    candidates = {
        name.removesuffix("/repodata")
        for _, name, files in repodata
        if any(entry.get("name") == "repomd.xml" for entry in files or ())
    }
    if not candidates:
        return counts
    existing = set(session.scalars(select(Repository.name).where(Repository.name.in_(candidates))))
    todo = sorted(candidates - existing)
    if not todo:
        return counts
    dir_ids = dict(
        session.execute(select(Directory.name, Directory.id).where(Directory.name.in_(todo))).all()
    )
    versions = {(v.product_id, v.name): v for v in session.scalars(select(Version))}
    products = {p.name: p for p in session.scalars(select(Product))}
    arches = {a.name: a for a in session.scalars(select(Arch))}
    taken = {
        (prefix, arch_id)
        for prefix, arch_id in session.execute(
            select(Repository.prefix, Repository.arch_id).where(Repository.prefix.is_not(None))
        )
    }
    for name in todo:
        if name not in dir_ids:
            continue
        relpath = name[len(topdir) + 1 :] if name.startswith(topdir + "/") else ""
        match = match_repository(rules, category_name, relpath)
        if match is None:
            counts.unmatched += 1
            log.debug("no repository rule matches", category=category_name, path=relpath)
            continue
        owner_id = product_id
        if match.product is not None:
            owner = products.get(match.product)
            if owner is None:
                owner = products[match.product] = Product(name=match.product)
                session.add(owner)
                session.flush()
            owner_id = owner.id
        version = versions.get((owner_id, match.version))
        if version is None:
            version = Version(product_id=owner_id, name=match.version, is_test=match.is_test)
            session.add(version)
            versions[(owner_id, match.version)] = version
            counts.versions.append(match.version)
            log.info(
                "new version",
                category=category_name,
                version=match.version,
                is_test=match.is_test,
                path=relpath,
            )
        arch = arches.get(match.arch)
        if arch is None:
            arch = Arch(name=match.arch)
            session.add(arch)
            arches[match.arch] = arch
        session.flush()
        if match.prefix is not None and (match.prefix, arch.id) in taken:
            counts.duplicates += 1
            log.debug(
                "repository prefix already taken", prefix=match.prefix, arch=match.arch, path=name
            )
            continue
        session.add(
            Repository(
                name=name,
                prefix=match.prefix,
                category_id=category_id,
                version=version,
                arch=arch,
                directory_id=dir_ids[name],
            )
        )
        if match.prefix is not None:
            taken.add((match.prefix, arch.id))
        counts.repositories.append(name)
        log.info(
            "new repository", prefix=match.prefix, arch=match.arch, version=match.version, path=name
        )
    session.flush()
    return counts
