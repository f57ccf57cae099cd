"""WTForms forms of the web UI; every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm  # type: ignore[import-untyped]
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from mirrormanager.manage import validation
from mirrormanager.manage.fields import HOST_FIELDS
from mirrormanager.web.accounts import USERNAME_PATTERN
from mirrormanager.web.security import MIN_PASSWORD_LENGTH

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an e-mail address.")
USERNAME = Regexp(USERNAME_PATTERN, message="Letters, digits and _ . @ - only.")


def check(problem: Any) -> Any:
    """Turn a `validation.*_problem` function into a WTForms validator."""

    def validator(_form: Any, field: Any) -> None:
        if field.data in (None, ""):
            return
        message = problem(field.data.strip() if isinstance(field.data, str) else field.data)
        if message:
            raise ValidationError(message)

    return validator


def bounds(name: str) -> NumberRange:
    """The service layer's range of a host field (`manage.fields`), as a form validator."""
    spec = HOST_FIELDS[name]
    return NumberRange(spec.low, spec.high)


def web_url_problem(value: str) -> str | None:
    """Links shown to people must be http(s): no javascript: or data: URLs."""
    return None if urlsplit(value).scheme in ("http", "https") else "Use an http(s) URL."


def upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class in (StringField, TextAreaField):
                filters = [strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


# --- accounts ---------------------------------------------------------------------------
class LoginForm(BaseForm):
    username = StringField("User name", [DataRequired(), Length(max=100)])
    password = PasswordField("Password", [DataRequired(), Length(max=1024)])
    next = HiddenField()


class SignupForm(BaseForm):
    username = StringField("User name", [DataRequired(), Length(max=100), USERNAME])
    email = StringField("E-mail", [DataRequired(), Length(max=255), EMAIL])
    password = PasswordField(
        "Password", [DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)]
    )
    confirm = PasswordField("Repeat password", [EqualTo("password", "Passwords differ.")])


class ResetRequestForm(BaseForm):
    email = StringField("E-mail", [DataRequired(), Length(max=255), EMAIL])


class ResetForm(BaseForm):
    password = PasswordField(
        "New password", [DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)]
    )
    confirm = PasswordField("Repeat password", [EqualTo("password", "Passwords differ.")])


class PasswordChangeForm(ResetForm):
    current = PasswordField("Current password", [DataRequired(), Length(max=1024)])


class ProfileForm(BaseForm):
    email = StringField("E-mail", [Optional(), Length(max=255), EMAIL])
    display_name = StringField("Display name", [Optional(), Length(max=255)])


class ApiTokenForm(BaseForm):
    name = StringField("Token name", [DataRequired(), Length(max=100)])
    expires_days = IntegerField(
        "Expires after (days; empty: until revoked)", [Optional(), NumberRange(1, 3650)]
    )


# --- sites and hosts ----------------------------------------------------------------------
class SiteForm(BaseForm):
    name = StringField(
        "Site name",
        [DataRequired(), Length(max=200)],
        description="Your organisation's name; shown on the public mirror list.",
    )
    org_url = StringField(
        "Organisation URL",
        [Optional(), Length(max=1024), URL(message="Enter a URL."), check(web_url_problem)],
        description="Links the site's name on the public mirror list.",
    )
    password = PasswordField(
        "Check-in password",
        [Optional(), Length(min=8, max=255)],
        description=(
            "report_mirror sends it when your hosts check in; at least 8 characters. "
            "Only you and the admins know it. Leave empty to keep the current one."
        ),
    )
    private = BooleanField(
        "Private (not in public lists; for internal/partner use)",
        description=(
            "Hosts of a private site are never offered to the public; only clients in "
            "their netblocks and other mirrors (pulling from private URLs) get them."
        ),
    )
    user_active = BooleanField(
        "Active",
        default=True,
        description="Untick to take every host of this site out of the mirror lists.",
    )
    admin_active = BooleanField(
        "Enabled by the admins",
        default=True,
        description="Admins only: untick to take the whole site out; its admins see it.",
    )
    admin_reason = StringField(
        "Reason for disabling (admins)",
        [Optional(), Length(max=1000)],
        description="Shown to the site's admins and kept in the audit log.",
    )
    downstream_comments = TextAreaField(
        "Notes for downstream mirrors",
        [Length(max=4000)],
        description="Public: how other mirrors may pull from you (rsync modules, times).",
    )


class SiteAdminForm(BaseForm):
    username = StringField("User name", [DataRequired(), Length(max=100)])


class HostForm(BaseForm):
    name = StringField(
        "Host name",
        [
            DataRequired(),
            Length(max=255),
            check(lambda v: None if validation.hostname_ok(v) else "Use the host's DNS name."),
        ],
        description=(
            "The host's DNS name, as report_mirror sends it when checking in; "
            "shown on the public mirror list."
        ),
    )
    country = StringField(
        "Country",
        [DataRequired(), check(validation.country_problem)],
        filters=[upper],
        description=(
            "Two-letter ISO code (DE, US). Clients in this country get the host first; "
            "shown on the public mirror list."
        ),
    )
    bandwidth_int = IntegerField(
        "Bandwidth (Mbit/s)",
        [InputRequired(), bounds("bandwidth_int")],
        default=100,
        description=(
            "Outgoing bandwidth for mirror clients. Hosts with more are offered more often; "
            "shown on the public mirror list."
        ),
    )
    max_connections = IntegerField(
        "Max connections per client (and crawler)",
        [InputRequired(), bounds("max_connections")],
        default=1,
        description=(
            "How many parallel downloads a metalink client (dnf) may open to this host, "
            "and how many connections the crawler uses at once."
        ),
    )
    private = BooleanField(
        "Private",
        description=(
            "Not offered to the public: only clients in this host's netblocks get it, and "
            "other mirrors see it as a source. Not on the public mirror list."
        ),
    )
    internet2 = BooleanField(
        "On Internet2", description="The host is reachable over the Internet2 network."
    )
    internet2_clients = BooleanField(
        "Serves Internet2 clients",
        description="Internet2 clients get this host first, even when it is private.",
    )
    asn = IntegerField(
        "ASN",
        [Optional(), check(validation.asn_problem)],
        description="The autonomous system number of the host's network.",
    )
    asn_clients = BooleanField(
        "Serve all clients of this ASN",
        default=True,
        description="Clients in the same autonomous system (and peer ASNs) get this host first.",
    )
    latitude = FloatField(
        "Latitude",
        [Optional(), bounds("latitude")],
        description="Where the host is (-90 to 90); nearer clients get it first. Public map.",
    )
    longitude = FloatField(
        "Longitude",
        [Optional(), bounds("longitude")],
        description="-180 to 180; empty: the country's centre is used.",
    )
    robot_email = StringField(
        "Contact e-mail",
        [Optional(), Length(max=255), EMAIL],
        description=(
            "Receives the crawler's mail (when this host is disabled after failed crawls), "
            "besides the site's admins. Not shown to the public."
        ),
    )
    comment = TextAreaField(
        "Comment",
        [Length(max=4000)],
        description="Public: shown next to the host on the public mirror list.",
    )
    user_active = BooleanField(
        "Active",
        default=True,
        description=(
            "Untick to take this host out of the mirror lists yourself (maintenance). "
            "The crawler unticks it after failed crawls and ticks it again after a good one."
        ),
    )
    admin_active = BooleanField(
        "Enabled by the admins",
        default=True,
        description="Admins only: untick to take the host out; say why below.",
    )
    disable_reason = StringField(
        "Disable reason",
        [Optional(), Length(max=1000)],
        description="Shown to the host's admins on every page that lists the host.",
    )


ALWAYS_UP2DATE_HINT = (
    "Admins only: the crawler skips this category and every directory of it counts as up "
    "to date (for caching proxies and the master)."
)


class HostCategoryForm(BaseForm):
    category_id = SelectField(
        "Category", coerce=int, description="A content tree this host mirrors (or a part of it)."
    )
    always_up2date = BooleanField(
        "Always up to date (skip crawling; admins)", description=ALWAYS_UP2DATE_HINT
    )


class HostCategoryEditForm(BaseForm):
    always_up2date = BooleanField(
        "Always up to date (skip crawling)", description=ALWAYS_UP2DATE_HINT
    )


class HostUrlForm(BaseForm):
    url = StringField(
        "URL",
        [DataRequired(), Length(max=validation.MAX_URL_LENGTH)],
        description=(
            "Where this category's top directory is served: http(s):// for clients, rsync:// "
            "for the crawler and other mirrors."
        ),
    )
    private = BooleanField(
        "Private (for other mirrors only)",
        description="Not given to clients; other mirrors pulling from you see it.",
    )


class NetblockForm(BaseForm):
    netblock = StringField(
        "Netblock (CIDR)",
        [DataRequired(), Length(max=64), check(validation.netblock_problem)],
        description="e.g. 192.0.2.0/24 or 2001:db8::/32; clients in it get this host first.",
    )
    name = StringField(
        "Name", [Optional(), Length(max=100)], description="A note for you (not public)."
    )


class PeerAsnForm(BaseForm):
    asn = IntegerField(
        "Peer ASN",
        [InputRequired(), check(validation.asn_problem)],
        description="Clients of this autonomous system get this host first.",
    )
    name = StringField(
        "Name", [Optional(), Length(max=100)], description="A note for you (not public)."
    )


class CountryForm(BaseForm):
    country = StringField(
        "Country",
        [DataRequired(), check(validation.country_problem)],
        filters=[upper],
        description="Two-letter ISO code; once one is set, only clients of these countries.",
    )


class AclIpForm(BaseForm):
    ip = StringField(
        "IP address or network",
        [DataRequired(), Length(max=64), check(validation.ip_or_network_problem)],
        description="The machine that pulls from the master rsync server (admins see it).",
    )


class HostLocationForm(BaseForm):
    location_id = SelectField(
        "Location",
        coerce=int,
        description="A named group of hosts clients ask for with location= (admins).",
    )


class AdminSwitchForm(BaseForm):
    """The admins' switch: the page says what it does (disable or enable) and does it on
    submit; a disable asks for the reason in the same form."""

    action = HiddenField()
    reason = StringField(
        "Reason",
        [Optional(), Length(max=1000)],
        description=(
            "Shown to the host's admins next to the host on every page, and kept in the audit log."
        ),
    )


class OfferedForm(BaseForm):
    """ "Would this host be offered?": a client and a request, as the mirrorlist sees them."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    ip = StringField(
        "Client address",
        [Optional(), Length(max=64)],
        description="An IPv4 or IPv6 address; its country comes from GeoIP.",
    )
    country = StringField(
        "or client country",
        [Optional(), check(validation.country_problem)],
        filters=[upper],
        description="Two-letter ISO code, instead of (or to override) the address's country.",
    )
    repo = StringField(
        "Repository",
        [Optional(), Length(max=200)],
        description="As dnf asks for it in repo=, e.g. fedora-41 or epel-9.",
    )
    arch = StringField("Architecture", [Optional(), Length(max=50)], description="e.g. x86_64.")
    path = StringField(
        "or path",
        [Optional(), Length(max=1000)],
        description="A directory or file under the master tree, instead of repo and arch.",
    )
    metalink = BooleanField("The /metalink answer (dnf's), not /mirrorlist")


def add_error(field: Any, message: str) -> None:
    """Attach an error found after validation (a duplicate, a permission) to a field."""
    errors = list(field.errors)
    errors.append(message)
    field.errors = errors


def text(field: Any) -> str:
    """A text field's value, '' when empty (WTForms types it as optional)."""
    return str(field.data or "")
