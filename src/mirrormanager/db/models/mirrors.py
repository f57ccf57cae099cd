"""The mirror side: sites, their hosts, and what each host carries over which URLs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from mirrormanager.db.base import Base, IdMixin, NullableJsonType, utcnow
from mirrormanager.db.models.content import Category, Directory


class Site(IdMixin, Base):
    __tablename__ = "site"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    org_url: Mapped[str | None] = mapped_column(Text)
    # Check-in credential (report_mirror); stored hashed by the check-in part.
    password: Mapped[str | None] = mapped_column(String(255))
    private: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    admin_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    user_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    all_sites_can_pull_from_me: Mapped[bool] = mapped_column(Boolean, default=False)
    downstream_comments: Mapped[str | None] = mapped_column(Text)
    email_on_drop: Mapped[bool] = mapped_column(Boolean, default=False)
    email_on_add: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    hosts: Mapped[list[Host]] = relationship(
        back_populates="site", cascade="all, delete-orphan", passive_deletes=True
    )


class Host(IdMixin, Base):
    __tablename__ = "host"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255), index=True)
    robot_email: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    bandwidth_int: Mapped[int] = mapped_column(Integer, default=100)  # Mbit/s; the weight
    max_connections: Mapped[int] = mapped_column(Integer, default=1)
    private: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    internet2: Mapped[bool] = mapped_column(Boolean, default=False)
    internet2_clients: Mapped[bool] = mapped_column(Boolean, default=False)
    asn: Mapped[int | None] = mapped_column(BigInteger)
    asn_clients: Mapped[bool] = mapped_column(Boolean, default=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    admin_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    user_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    disable_reason: Mapped[str | None] = mapped_column(Text)
    # True when the crawler (not a person) disabled the host, so only it may re-enable it.
    disabled_by_crawler: Mapped[bool] = mapped_column(Boolean, default=False)
    crawl_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_crawl_error: Mapped[str | None] = mapped_column(Text)
    last_crawled: Mapped[dt.datetime | None]
    last_crawl_duration: Mapped[float | None] = mapped_column(Float, index=True)
    last_crawl_requests: Mapped[int | None] = mapped_column(Integer)
    last_checked_in: Mapped[dt.datetime | None]
    # Reachability learnt by the crawler; None = not known yet.
    reachable_ipv4: Mapped[bool | None] = mapped_column(Boolean)
    reachable_ipv6: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(back_populates="hosts")
    categories: Mapped[list[HostCategory]] = relationship(
        back_populates="host", cascade="all, delete-orphan", passive_deletes=True
    )
    netblocks: Mapped[list[HostNetblock]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    peer_asns: Mapped[list[HostPeerAsn]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    countries_allowed: Mapped[list[HostCountryAllowed]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    acl_ips: Mapped[list[HostAclIp]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_active(self) -> bool:
        return (
            self.admin_active
            and self.user_active
            and self.site.admin_active
            and self.site.user_active
        )


def host_is_active() -> tuple[ColumnElement[bool], ...]:
    """`Host.is_active` as WHERE clauses, for a query that joins `Site`.

    Every list of the hosts that serve (snapshot, last-sync report) filters on these four
    switches; one place keeps them from drifting apart.
    """
    return (
        Host.admin_active.is_(True),
        Host.user_active.is_(True),
        Site.admin_active.is_(True),
        Site.user_active.is_(True),
    )


class HostCategory(IdMixin, Base):
    """A host carries a category."""

    __tablename__ = "host_category"
    __table_args__ = (UniqueConstraint("host_id", "category_id"),)

    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    always_up2date: Mapped[bool] = mapped_column(Boolean, default=False)

    host: Mapped[Host] = relationship(back_populates="categories")
    category: Mapped[Category] = relationship()
    urls: Mapped[list[HostCategoryUrl]] = relationship(
        back_populates="host_category", cascade="all, delete-orphan", passive_deletes=True
    )


class HostCategoryUrl(IdMixin, Base):
    __tablename__ = "host_category_url"

    host_category_id: Mapped[int] = mapped_column(
        ForeignKey("host_category.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text, unique=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    host_category: Mapped[HostCategory] = relationship(back_populates="urls")


class HostCategoryDir(IdMixin, Base):
    """Host H holds directory D of category C, and whether its copy is current."""

    __tablename__ = "host_category_dir"
    __table_args__ = (UniqueConstraint("host_category_id", "directory_id"),)

    host_category_id: Mapped[int] = mapped_column(
        ForeignKey("host_category.id", ondelete="CASCADE")
    )
    directory_id: Mapped[int] = mapped_column(
        ForeignKey("directory.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(Text)  # below the category top directory
    up2date: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    last_checked: Mapped[dt.datetime | None]
    # A stale copy that lacks only a few of the master's files: their names, sorted (at most
    # ``crawler_max_differing_files``). NULL when current, or stale as a whole.
    differing_files: Mapped[list[str] | None] = mapped_column(NullableJsonType)

    directory: Mapped[Directory] = relationship()


class HostNetblock(IdMixin, Base):
    """Clients inside this netblock get this host first, even when it is private."""

    __tablename__ = "host_netblock"
    __table_args__ = (UniqueConstraint("host_id", "netblock"),)

    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
    netblock: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(100))


class HostPeerAsn(IdMixin, Base):
    __tablename__ = "host_peer_asn"
    __table_args__ = (UniqueConstraint("host_id", "asn"),)

    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
    asn: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(100))


class HostCountryAllowed(IdMixin, Base):
    """The host serves only clients of these countries."""

    __tablename__ = "host_country_allowed"
    __table_args__ = (UniqueConstraint("host_id", "country"),)

    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))


class HostAclIp(IdMixin, Base):
    """Addresses allowed to pull from the master's rsync (optional ACL)."""

    __tablename__ = "host_acl_ip"
    __table_args__ = (UniqueConstraint("host_id", "ip"),)

    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
    ip: Mapped[str] = mapped_column(String(64))


class Location(IdMixin, Base):
    """A named group of hosts clients can ask for with `location=` (e.g. a cloud region)."""

    __tablename__ = "location"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class HostLocation(IdMixin, Base):
    __tablename__ = "host_location"
    __table_args__ = (UniqueConstraint("host_id", "location_id"),)

    host_id: Mapped[int] = mapped_column(ForeignKey("host.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
