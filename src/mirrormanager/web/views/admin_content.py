"""Admin tables of the content side: products, arches, versions, categories, repositories,
repository redirects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from mirrormanager.db.models import (
    Arch,
    Category,
    Directory,
    Product,
    Repository,
    RepositoryRedirect,
    Version,
)
from mirrormanager.web.crud import CrudSpec
from mirrormanager.web.forms import BaseForm
from mirrormanager.web.helpers import named_table
from mirrormanager.web.permissions import db

PREFIX = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$", message="Letters, digits and _ . + - only.")


class ProductForm(BaseForm):
    name = StringField("Name", [DataRequired(), Length(max=100)])
    publiclist = BooleanField("Shown in public lists", default=True)


class ArchForm(BaseForm):
    name = StringField("Name", [DataRequired(), Length(max=50)])
    publiclist = BooleanField("Shown in public lists", default=True)
    primary_arch = BooleanField("Primary architecture", default=True)


class VersionForm(BaseForm):
    product_id = SelectField("Product", coerce=int)
    name = StringField("Name", [DataRequired(), Length(max=100)])
    codename = StringField("Code name", [Optional(), Length(max=100)])
    display_name = StringField("Display name", [Optional(), Length(max=100)])
    is_test = BooleanField("Test release (alpha/beta)")
    display = BooleanField("Displayed", default=True)
    ordered_mirrorlist = BooleanField("Ordered mirror list", default=True)
    sortorder = IntegerField("Sort order", [InputRequired()], default=0)


class CategoryForm(BaseForm):
    name = StringField("Name", [DataRequired(), Length(max=100)])
    product_id = SelectField("Product", coerce=int)
    topdir = StringField(
        "Top directory",
        [Optional(), Length(max=1000)],
        description="Path below the master prefix, e.g. pub/epel",
    )
    canonicalhost = StringField("Canonical host", [Optional(), Length(max=255)])
    geo_dns_domain = StringField("GeoDNS domain", [Optional(), Length(max=255)])
    publiclist = BooleanField("Shown in public lists", default=True)
    admin_only = BooleanField("Only admins may add it to hosts")


class RepositoryForm(BaseForm):
    prefix = StringField("Prefix", [Optional(), Length(max=100), PREFIX])
    disabled = BooleanField("Disabled (clients get no mirrors)")


class RepositoryRedirectForm(BaseForm):
    from_repo = StringField("From repo", [DataRequired(), Length(max=100), PREFIX])
    to_repo = StringField("To repo", [DataRequired(), Length(max=100), PREFIX])


def _product_choices(form: BaseForm) -> None:
    form.product_id.choices = [
        (p.id, p.name) for p in db().scalars(select(Product).order_by(Product.name))
    ]


def _category_values(form: BaseForm) -> dict[str, Any]:
    topdir_id = None
    name = (form.topdir.data or "").strip("/")
    if name:
        directory = db().scalar(select(Directory).where(Directory.name == name))
        if directory is None:
            # The scanner fills it on its next run.
            directory = Directory(name=name, ctime=0, readable=True, files=[])
            db().add(directory)
            db().flush()
        topdir_id = directory.id
    return {
        "name": form.name.data,
        "product_id": form.product_id.data,
        "topdir_id": topdir_id,
        "canonicalhost": form.canonicalhost.data or None,
        "geo_dns_domain": form.geo_dns_domain.data or None,
        "publiclist": form.publiclist.data,
        "admin_only": form.admin_only.data,
    }


def _category_from_obj(form: BaseForm, obj: Any) -> None:
    form.topdir.data = obj.topdir.name if obj.topdir else ""


PUBLIC = ("Public", lambda o: o.publiclist)

SPECS = [
    named_table("products", "Products", "product", Product, ProductForm, PUBLIC),
    named_table(
        "arches",
        "Architectures",
        "architecture",
        Arch,
        ArchForm,
        PUBLIC,
        ("Primary", lambda o: o.primary_arch),
    ),
    CrudSpec(
        "versions",
        "Versions",
        "version",
        Version,
        VersionForm,
        columns=[
            ("Product", lambda o: o.product.name),
            ("Name", lambda o: o.name),
            ("Test", lambda o: o.is_test),
            ("Displayed", lambda o: o.display),
            ("Sort order", lambda o: o.sortorder),
        ],
        search=[Version.name],
        order_by=(Version.product_id, Version.sortorder.desc(), Version.name),
        describe=lambda o: f"{o.product.name} {o.name}",
        prepare=_product_choices,
        intro="The scanner creates versions when a new release directory appears.",
    ),
    named_table(
        "categories",
        "Categories",
        "category",
        Category,
        CategoryForm,
        ("Product", lambda o: o.product.name),
        ("Top directory", lambda o: o.topdir.name if o.topdir else ""),
        PUBLIC,
        ("Admins only", lambda o: o.admin_only),
        prepare=_product_choices,
        to_values=_category_values,
        from_obj=_category_from_obj,
    ),
    CrudSpec(
        "repositories",
        "Repositories",
        "repository",
        Repository,
        RepositoryForm,
        columns=[
            ("Name", lambda o: o.name),
            ("Prefix", lambda o: o.prefix),
            ("Arch", lambda o: o.arch.name if o.arch else ""),
            ("Category", lambda o: o.category.name),
            ("Disabled", lambda o: o.disabled),
        ],
        search=[Repository.name, Repository.prefix],
        order_by=Repository.name,
        describe=lambda o: o.name,
        can_create=False,
        toggle="disabled",
        intro="The scanner creates repositories; disable one to stop answering for it.",
    ),
    CrudSpec(
        "repository-redirects",
        "Repository redirects",
        "repository redirect",
        RepositoryRedirect,
        RepositoryRedirectForm,
        columns=[("From", lambda o: o.from_repo), ("To", lambda o: o.to_repo)],
        search=[RepositoryRedirect.from_repo, RepositoryRedirect.to_repo],
        order_by=RepositoryRedirect.from_repo,
        describe=lambda o: f"{o.from_repo} → {o.to_repo}",
        unique=["from_repo"],
    ),
]
