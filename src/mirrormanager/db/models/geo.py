"""Where clients are: country and continent rules, embargoes and netblock data."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from mirrormanager.db.base import Base, IdMixin


class CountryContinentRedirect(IdMixin, Base):
    """Treat a country as part of another continent (e.g. IL -> EU)."""

    __tablename__ = "country_continent_redirect"

    country: Mapped[str] = mapped_column(String(2), unique=True)
    continent: Mapped[str] = mapped_column(String(2))


class EmbargoedCountry(IdMixin, Base):
    __tablename__ = "embargoed_country"

    country: Mapped[str] = mapped_column(String(2), unique=True)


class NetblockCountry(IdMixin, Base):
    """Override GeoIP: clients in this netblock count as this country."""

    __tablename__ = "netblock_country"

    netblock: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2))


class NetblockAsn(IdMixin, Base):
    """Global routing data: which ASN announces a prefix (imported from a table or MRT dump)."""

    __tablename__ = "netblock_asn"

    netblock: Mapped[str] = mapped_column(String(64), unique=True)
    asn: Mapped[int] = mapped_column(BigInteger, index=True)
