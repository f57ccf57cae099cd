"""The checks of what mirror admins type live in the service layer
(`mirrormanager.manage.validation`); the web forms import them from there."""

from mirrormanager.manage.validation import (
    MAX_URL_LENGTH,
    URL_SCHEMES,
    asn_problem,
    continent_problem,
    country_problem,
    hostname_ok,
    ip_or_network_problem,
    mirror_url_problem,
    netblock_needs_admin,
    netblock_problem,
    parse_network,
    topdir_tail,
)

__all__ = [
    "MAX_URL_LENGTH",
    "URL_SCHEMES",
    "asn_problem",
    "continent_problem",
    "country_problem",
    "hostname_ok",
    "ip_or_network_problem",
    "mirror_url_problem",
    "netblock_needs_admin",
    "netblock_problem",
    "parse_network",
    "topdir_tail",
]
