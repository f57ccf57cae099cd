from __future__ import annotations

from mirrormanager.core.geo import CONTINENTS, COUNTRY_CONTINENT, continent_of


def test_table_covers_iso_3166() -> None:
    # ISO 3166-1 alpha-2 has 249 officially assigned codes; XK (Kosovo) is in GeoIP data too.
    countries = {c for c in COUNTRY_CONTINENT if c not in ("EU", "AP")}
    assert len(countries) == 250
    assert set(COUNTRY_CONTINENT.values()) <= set(CONTINENTS)
    assert all(len(c) == 2 and c.isupper() for c in countries)


def test_lookups_and_redirects() -> None:
    assert continent_of("DE") == "EU"
    assert continent_of("BR") == "SA"
    assert continent_of("MX") == "NA"
    assert continent_of("IL") == "AS"
    assert continent_of("IL", {"IL": "EU"}) == "EU"
    assert continent_of("") == "" and continent_of("ZZ") == ""
