"""Factories for the mirror-side rows the snapshot reads, and a small network builder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import factory
from sqlalchemy.orm import Session

from mirrormanager.db import models
from tests import factories as f


class _Base(factory.alchemy.SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class CategoryDirectoryFactory(_Base):
    class Meta:
        model = models.CategoryDirectory


class HostCategoryDirFactory(_Base):
    class Meta:
        model = models.HostCategoryDir

    path = ""
    up2date = True


class HostNetblockFactory(_Base):
    class Meta:
        model = models.HostNetblock


class HostPeerAsnFactory(_Base):
    class Meta:
        model = models.HostPeerAsn


class HostCountryAllowedFactory(_Base):
    class Meta:
        model = models.HostCountryAllowed


class DirectoryExclusiveHostFactory(_Base):
    class Meta:
        model = models.DirectoryExclusiveHost


MINE = [
    CategoryDirectoryFactory,
    HostCategoryDirFactory,
    HostNetblockFactory,
    HostPeerAsnFactory,
    HostCountryAllowedFactory,
    DirectoryExclusiveHostFactory,
]


def bind(session: Session) -> None:
    f.bind(session)
    for cls in MINE:
        cls._meta.sqlalchemy_session = session


@dataclass
class Tree:
    category: models.Category
    top: models.Directory
    dirs: dict[str, models.Directory]  # subpath -> directory


def tree(*subpaths: str, top: str | None = None) -> Tree:
    """A category whose top directory holds the given subdirectories (all linked)."""
    top_dir = f.DirectoryFactory(name=top) if top else f.DirectoryFactory()
    category = f.CategoryFactory(topdir=top_dir)
    CategoryDirectoryFactory(category_id=category.id, directory_id=top_dir.id)
    dirs = {}
    for sub in subpaths:
        d = f.DirectoryFactory(name=f"{top_dir.name}/{sub}")
        CategoryDirectoryFactory(category_id=category.id, directory_id=d.id)
        dirs[sub] = d
    return Tree(category, top_dir, dirs)


@dataclass
class Mirror:
    host: models.Host
    hc: models.HostCategory
    url: models.HostCategoryUrl


def mirror(
    t: Tree,
    carried: Sequence[str] = (),
    *,
    up2date: bool = True,
    url: str | None = None,
    always: bool = False,
    host: models.Host | None = None,
    **host_fields: object,
) -> Mirror:
    """A host carrying ``carried`` subdirectories of the tree over one public URL."""
    host = host or f.HostFactory(**host_fields)
    hc = f.HostCategoryFactory(host=host, category=t.category, always_up2date=always)
    kwargs = {"url": url} if url else {}
    hcu = f.HostCategoryUrlFactory(host_category=hc, **kwargs)
    for sub in carried:
        HostCategoryDirFactory(
            host_category_id=hc.id, directory_id=t.dirs[sub].id, path=sub, up2date=up2date
        )
    return Mirror(host, hc, hcu)
