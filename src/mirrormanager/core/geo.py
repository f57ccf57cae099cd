"""Countries and continents: the shipped ISO 3166-1 country -> continent table, country
centroids and great-circle distances (pure; the centroids are package data).

Continent codes are GeoIP's: AF Africa, AN Antarctica, AS Asia, EU Europe, NA North
America (with Central America and the Caribbean), OC Oceania, SA South America. A
CountryContinentRedirect row (e.g. IL -> EU) overrides the table for one country.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources

Position = tuple[float, float]  # (latitude, longitude) in degrees
EARTH_RADIUS_KM = 6371.0

CONTINENTS = ("AF", "AN", "AS", "EU", "NA", "OC", "SA")

# One line per continent, space-separated alpha-2 codes: easy to review against ISO 3166-1.
_TABLE = {
    "AF": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY "
        "MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA "
        "ZM ZW"
    ),
    "AN": "AQ BV GS HM TF",
    "AS": (
        "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ "
        "LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE"
    ),
    "EU": (
        "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE "
        "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"
    ),
    "NA": (
        "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS "
        "MX NI PA PM PR SV SX TC TT US VC VG VI"
    ),
    "OC": ("AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"),
    "SA": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
}

COUNTRY_CONTINENT: dict[str, str] = {
    country: continent for continent, line in _TABLE.items() for country in line.split()
}
# Codes GeoIP databases use for regions rather than countries.
COUNTRY_CONTINENT.update({"EU": "EU", "AP": "AS"})


def continent_of(country: str, redirects: Mapping[str, str] | None = None) -> str:
    """The continent of an upper-case country code; "" when unknown."""
    if not country:
        return ""
    if redirects:
        redirected = redirects.get(country)
        if redirected:
            return redirected
    return COUNTRY_CONTINENT.get(country, "")


@functools.cache
def _centroids() -> dict[str, Position]:
    text = (resources.files("mirrormanager") / "defaults" / "country_centroids.csv").read_text(
        "utf-8"
    )
    found: dict[str, Position] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, lat, lon = line.split(",")
        found[code.strip().upper()] = (float(lat), float(lon))
    return found


def country_centroid(country: str) -> Position | None:
    """An approximate centre of the country (shipped data); None when unknown."""
    return _centroids().get(country.upper()) if country else None


def distance_km(a: Position, b: Position) -> float:
    """Great-circle distance (haversine), in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
