"""What the master tree holds: products, versions, arches, categories, directories,
repositories and the file details that metalinks carry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from mirrormanager.db.base import Base, IdMixin, JsonType, utcnow


class Product(IdMixin, Base):
    __tablename__ = "product"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    publiclist: Mapped[bool] = mapped_column(Boolean, default=True)

    versions: Mapped[list[Version]] = relationship(back_populates="product")
    categories: Mapped[list[Category]] = relationship(back_populates="product")


class Version(IdMixin, Base):
    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("product_id", "name"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    codename: Mapped[str | None] = mapped_column(String(100))
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    display: Mapped[bool] = mapped_column(Boolean, default=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    ordered_mirrorlist: Mapped[bool] = mapped_column(Boolean, default=True)
    sortorder: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="versions")


class Arch(IdMixin, Base):
    __tablename__ = "arch"

    name: Mapped[str] = mapped_column(String(50), unique=True)
    publiclist: Mapped[bool] = mapped_column(Boolean, default=True)
    primary_arch: Mapped[bool] = mapped_column(Boolean, default=True)


class Directory(IdMixin, Base):
    """A directory of the master tree, named by its full path below the master prefix."""

    __tablename__ = "directory"

    name: Mapped[str] = mapped_column(Text, unique=True)
    # Indexed for /rsyncFilter: "directories changed since T" is a range scan.
    ctime: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    readable: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    # [{"name": str, "size": int, "mtime": int}, ...] sorted by name; possibly a short list.
    files: Mapped[list[dict[str, Any]]] = deferred(mapped_column(JsonType, default=list))

    categories: Mapped[list[Category]] = relationship(
        secondary="category_directory", back_populates="directories", viewonly=True
    )


class Category(IdMixin, Base):
    __tablename__ = "category"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    topdir_id: Mapped[int | None] = mapped_column(ForeignKey("directory.id", ondelete="SET NULL"))
    canonicalhost: Mapped[str | None] = mapped_column(String(255))
    publiclist: Mapped[bool] = mapped_column(Boolean, default=True)
    geo_dns_domain: Mapped[str | None] = mapped_column(String(255))
    admin_only: Mapped[bool] = mapped_column(Boolean, default=False)

    product: Mapped[Product] = relationship(back_populates="categories")
    topdir: Mapped[Directory | None] = relationship(foreign_keys=[topdir_id])
    directories: Mapped[list[Directory]] = relationship(
        secondary="category_directory", back_populates="categories", viewonly=True
    )


class CategoryDirectory(Base):
    __tablename__ = "category_directory"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("category.id", ondelete="CASCADE"), primary_key=True
    )
    directory_id: Mapped[int] = mapped_column(
        ForeignKey("directory.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Repository(IdMixin, Base):
    """A yum/dnf repository: clients ask for it by (prefix, arch)."""

    __tablename__ = "repository"
    __table_args__ = (UniqueConstraint("prefix", "arch_id"),)

    name: Mapped[str] = mapped_column(Text, unique=True)
    prefix: Mapped[str | None] = mapped_column(String(100))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id", ondelete="SET NULL"))
    arch_id: Mapped[int | None] = mapped_column(ForeignKey("arch.id", ondelete="SET NULL"))
    directory_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory.id", ondelete="SET NULL"), index=True
    )
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()
    version: Mapped[Version | None] = relationship()
    arch: Mapped[Arch | None] = relationship()
    directory: Mapped[Directory | None] = relationship()


class FileDetail(IdMixin, Base):
    """Size, time and hashes of one generation of a file (repomd.xml, ISO, …).

    Several rows per (directory, filename) form a history; the newest is current and the
    others are metalink alternates.
    """

    __tablename__ = "file_detail"
    __table_args__ = (Index("ix_file_detail_dir_file", "directory_id", "filename"),)

    directory_id: Mapped[int] = mapped_column(ForeignKey("directory.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[int] = mapped_column(BigInteger, index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str | None] = mapped_column(String(64))
    sha512: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    directory: Mapped[Directory] = relationship()


class RepositoryRedirect(IdMixin, Base):
    """A repo prefix clients still ask for, answered as another (e.g. after an EOL)."""

    __tablename__ = "repository_redirect"

    from_repo: Mapped[str] = mapped_column(String(100), unique=True)
    to_repo: Mapped[str] = mapped_column(String(100))


class DirectoryExclusiveHost(IdMixin, Base):
    """Only these hosts may serve the directory (embargoed content)."""

    __tablename__ = "directory_exclusive_host"
    __table_args__ = (UniqueConstraint("directory_id", "host_id"),)

    directory_id: Mapped[int] = mapped_column(ForeignKey("directory.id", ondelete="CASCADE"))
    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
