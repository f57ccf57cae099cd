"""factory_boy factories for rows, and a small mirror network builder on top of them.

`bind(session)` points every factory at the test's session. `tree()` and `mirror()` build
the smallest network a test needs (a category with subdirectories, hosts carrying some);
tests that want the whole demo (a scanned Fedora-shaped tree and nine mirrors) use
:class:`mirrormanager.demo.world.DemoWorld` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from mirrormanager.db import models


class _Base(SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class ProductFactory(_Base):
    class Meta:
        model = models.Product

    name = factory.Sequence(lambda n: f"Product{n}")


class DirectoryFactory(_Base):
    class Meta:
        model = models.Directory

    name = factory.Sequence(lambda n: f"pub/test/dir{n}")
    ctime = 0
    readable = True
    files = factory.LazyFunction(list)


class CategoryFactory(_Base):
    class Meta:
        model = models.Category

    name = factory.Sequence(lambda n: f"Category {n}")
    product = factory.SubFactory(ProductFactory)
    topdir = factory.SubFactory(DirectoryFactory)


class VersionFactory(_Base):
    class Meta:
        model = models.Version

    name = factory.Sequence(lambda n: str(30 + n))
    product = factory.SubFactory(ProductFactory)


class ArchFactory(_Base):
    class Meta:
        model = models.Arch
        sqlalchemy_get_or_create = ("name",)

    name = "x86_64"


class RepositoryFactory(_Base):
    class Meta:
        model = models.Repository

    name = factory.Sequence(lambda n: f"pub/test/repo{n}")
    prefix = factory.Sequence(lambda n: f"test-{n}")
    category = factory.SubFactory(CategoryFactory)
    version = factory.SubFactory(VersionFactory)
    arch = factory.SubFactory(ArchFactory)
    directory = factory.SubFactory(DirectoryFactory)


class FileDetailFactory(_Base):
    class Meta:
        model = models.FileDetail

    directory = factory.SubFactory(DirectoryFactory)
    filename = "repomd.xml"
    timestamp = 1_700_000_000
    size = 1234
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class SiteFactory(_Base):
    class Meta:
        model = models.Site

    name = factory.Sequence(lambda n: f"site{n}.example.org")


class HostFactory(_Base):
    class Meta:
        model = models.Host

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"mirror{n}.example.org")
    country = "DE"


class HostCategoryFactory(_Base):
    class Meta:
        model = models.HostCategory

    host = factory.SubFactory(HostFactory)
    category = factory.SubFactory(CategoryFactory)


class HostCategoryUrlFactory(_Base):
    class Meta:
        model = models.HostCategoryUrl

    host_category = factory.SubFactory(HostCategoryFactory)
    url = factory.Sequence(lambda n: f"https://mirror{n}.example.org/pub/test")


class UserFactory(_Base):
    class Meta:
        model = models.User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")


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


ALL = [
    ProductFactory,
    DirectoryFactory,
    CategoryFactory,
    VersionFactory,
    ArchFactory,
    RepositoryFactory,
    FileDetailFactory,
    SiteFactory,
    HostFactory,
    HostCategoryFactory,
    HostCategoryUrlFactory,
    UserFactory,
    CategoryDirectoryFactory,
    HostCategoryDirFactory,
    HostNetblockFactory,
    HostPeerAsnFactory,
    HostCountryAllowedFactory,
    DirectoryExclusiveHostFactory,
]


def bind(session: Session) -> None:
    for factory_class in ALL:
        factory_class._meta.sqlalchemy_session = session


@dataclass
class Tree:
    category: models.Category
    top: models.Directory
    dirs: dict[str, models.Directory]  # subpath -> directory


def tree(*subpaths: str, top: str | None = None, **category_fields: object) -> Tree:
    """A category whose top directory holds the given subdirectories (all linked)."""
    top_dir = DirectoryFactory(name=top) if top else DirectoryFactory()
    category = CategoryFactory(topdir=top_dir, **category_fields)
    CategoryDirectoryFactory(category_id=category.id, directory_id=top_dir.id)
    dirs = {}
    for sub in subpaths:
        d = DirectoryFactory(name=f"{top_dir.name}/{sub}")
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
    host = host or HostFactory(**host_fields)
    hc = HostCategoryFactory(host=host, category=t.category, always_up2date=always)
    kwargs = {"url": url} if url else {}
    hcu = HostCategoryUrlFactory(host_category=hc, **kwargs)
    for sub in carried:
        HostCategoryDirFactory(
            host_category_id=hc.id, directory_id=t.dirs[sub].id, path=sub, up2date=up2date
        )
    return Mirror(host, hc, hcu)
