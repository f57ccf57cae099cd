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
    name = StringField("Site name", [DataRequired(), Length(max=200)])
    org_url = StringField(
        "Organisation URL",
        [Optional(), Length(max=1024), URL(message="Enter a URL."), check(web_url_problem)],
    )
    password = PasswordField(
        "Check-in password",
        [Optional(), Length(min=8, max=255)],
        description="Used by report_mirror. Leave empty to keep the current one.",
    )
    private = BooleanField("Private (not in public lists; for internal/partner use)")
    user_active = BooleanField("Active", default=True)
    admin_active = BooleanField("Enabled by the admins", default=True)
    admin_reason = StringField("Reason for disabling (admins)", [Optional(), Length(max=1000)])
    downstream_comments = TextAreaField("Notes for downstream mirrors", [Length(max=4000)])


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
    )
    country = StringField(
        "Country", [DataRequired(), check(validation.country_problem)], filters=[upper]
    )
    bandwidth_int = IntegerField(
        "Bandwidth (Mbit/s)", [InputRequired(), bounds("bandwidth_int")], default=100
    )
    max_connections = IntegerField(
        "Max connections to the master", [InputRequired(), bounds("max_connections")], default=1
    )
    private = BooleanField("Private")
    internet2 = BooleanField("On Internet2")
    internet2_clients = BooleanField("Serves Internet2 clients")
    asn = IntegerField("ASN", [Optional(), check(validation.asn_problem)])
    asn_clients = BooleanField("Serve all clients of this ASN", default=True)
    latitude = FloatField("Latitude", [Optional(), bounds("latitude")])
    longitude = FloatField("Longitude", [Optional(), bounds("longitude")])
    robot_email = StringField("Contact e-mail", [Optional(), Length(max=255), EMAIL])
    comment = TextAreaField("Comment", [Length(max=4000)])
    user_active = BooleanField("Active", default=True)
    admin_active = BooleanField("Enabled by the admins", default=True)
    disable_reason = StringField("Disable reason", [Optional(), Length(max=1000)])


class HostCategoryForm(BaseForm):
    category_id = SelectField("Category", coerce=int)
    always_up2date = BooleanField("Always up to date (skip crawling; admins)")


class HostUrlForm(BaseForm):
    url = StringField("URL", [DataRequired(), Length(max=validation.MAX_URL_LENGTH)])
    private = BooleanField("Private (for other mirrors only)")


class NetblockForm(BaseForm):
    netblock = StringField(
        "Netblock (CIDR)", [DataRequired(), Length(max=64), check(validation.netblock_problem)]
    )
    name = StringField("Name", [Optional(), Length(max=100)])


class PeerAsnForm(BaseForm):
    asn = IntegerField("Peer ASN", [InputRequired(), check(validation.asn_problem)])
    name = StringField("Name", [Optional(), Length(max=100)])


class CountryForm(BaseForm):
    country = StringField(
        "Country", [DataRequired(), check(validation.country_problem)], filters=[upper]
    )


class AclIpForm(BaseForm):
    ip = StringField(
        "IP address or network",
        [DataRequired(), Length(max=64), check(validation.ip_or_network_problem)],
    )


class HostLocationForm(BaseForm):
    location_id = SelectField("Location", coerce=int)


class AdminSwitchForm(BaseForm):
    admin_active = BooleanField("Enabled by the admins")
    reason = StringField("Reason", [Optional(), Length(max=1000)])


def add_error(field: Any, message: str) -> None:
    """Attach an error found after validation (a duplicate, a permission) to a field."""
    errors = list(field.errors)
    errors.append(message)
    field.errors = errors


def text(field: Any) -> str:
    """A text field's value, '' when empty (WTForms types it as optional)."""
    return str(field.data or "")
