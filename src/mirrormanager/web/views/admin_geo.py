"""Admin tables of the client side: country→continent redirects, embargoed countries,
netblock→country overrides, locations and groups."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from mirrormanager.db.models import (
    CountryContinentRedirect,
    EmbargoedCountry,
    Group,
    Location,
    NetblockCountry,
)
from mirrormanager.manage import validation
from mirrormanager.web.crud import CrudSpec
from mirrormanager.web.forms import BaseForm, check, upper
from mirrormanager.web.helpers import named_table


class CountryContinentForm(BaseForm):
    country = StringField(
        "Country", [DataRequired(), check(validation.country_problem)], filters=[upper]
    )
    continent = StringField(
        "Continent", [DataRequired(), check(validation.continent_problem)], filters=[upper]
    )


class EmbargoedCountryForm(BaseForm):
    country = StringField(
        "Country", [DataRequired(), check(validation.country_problem)], filters=[upper]
    )


class NetblockCountryForm(BaseForm):
    netblock = StringField(
        "Netblock", [DataRequired(), Length(max=64), check(validation.netblock_problem)]
    )
    country = StringField(
        "Country", [DataRequired(), check(validation.country_problem)], filters=[upper]
    )


class LocationForm(BaseForm):
    name = StringField("Name", [DataRequired(), Length(max=100)])
    description = TextAreaField("Description", [Optional(), Length(max=2000)])


class GroupForm(BaseForm):
    name = StringField(
        "Name",
        [
            DataRequired(),
            Length(max=100),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", message="Letters, digits and _ . - only."),
        ],
    )
    display_name = StringField("Display name", [Optional(), Length(max=255)])


SPECS = [
    CrudSpec(
        "country-continent",
        "Country → continent redirects",
        "redirect",
        CountryContinentRedirect,
        CountryContinentForm,
        columns=[("Country", lambda o: o.country), ("Continent", lambda o: o.continent)],
        search=[CountryContinentRedirect.country],
        order_by=CountryContinentRedirect.country,
        describe=lambda o: f"{o.country} → {o.continent}",
        unique=["country"],
        intro="Treat clients of a country as if on another continent (e.g. IL → EU).",
    ),
    CrudSpec(
        "embargoed",
        "Embargoed countries",
        "embargoed country",
        EmbargoedCountry,
        EmbargoedCountryForm,
        columns=[("Country", lambda o: o.country)],
        search=[EmbargoedCountry.country],
        order_by=EmbargoedCountry.country,
        describe=lambda o: o.country,
        unique=["country"],
    ),
    CrudSpec(
        "netblock-countries",
        "Netblock → country overrides",
        "override",
        NetblockCountry,
        NetblockCountryForm,
        columns=[("Netblock", lambda o: o.netblock), ("Country", lambda o: o.country)],
        search=[NetblockCountry.netblock, NetblockCountry.country],
        order_by=NetblockCountry.netblock,
        describe=lambda o: f"{o.netblock} → {o.country}",
        unique=["netblock"],
    ),
    named_table(
        "locations",
        "Locations",
        "location",
        Location,
        LocationForm,
        ("Description", lambda o: o.description),
    ),
    named_table(
        "groups", "Groups", "group", Group, GroupForm, ("Display name", lambda o: o.display_name)
    ),
]
