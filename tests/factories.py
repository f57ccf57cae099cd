"""factory_boy factories for rows; `bind(session)` points them at the test's session."""

from __future__ import annotations

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
]


def bind(session: Session) -> None:
    for factory_class in ALL:
        factory_class._meta.sqlalchemy_session = session
