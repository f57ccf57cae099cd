"""A small mirror network and a minimal Flask app around the public blueprint.

The app here stands in for the admin web application: it provides what the blueprint
expects (a `base.html`, `app.extensions["mm_session_factory"]`), nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.stats.ingest import ingest
from mirrormanager.web.public.views import bp
from tests import factories as f

ACCESS_LOG = Path(__file__).parents[2] / "stats" / "access.log"
BASE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
{% block head %}{% endblock %}</head>
<body><main>{% block content %}{% endblock %}</main></body></html>
"""


@dataclass
class PublicWorld:
    de: m.Host
    us: m.Host
    jp: m.Host
    fedora41_x86: m.Repository


def _dir(name: str) -> m.Directory:
    return f.DirectoryFactory(name=name)  # type: ignore[no-any-return]


def build_world(session: Session) -> PublicWorld:
    fedora = f.ProductFactory(name="Fedora")
    epel = f.ProductFactory(name="EPEL")
    linux = f.CategoryFactory(name="Fedora Linux", product=fedora, topdir=_dir("pub/fedora/linux"))
    epel_cat = f.CategoryFactory(name="Fedora EPEL", product=epel, topdir=_dir("pub/epel"))
    f41 = f.VersionFactory(name="41", product=fedora)
    f40 = f.VersionFactory(name="40", product=fedora)
    e9 = f.VersionFactory(name="9", product=epel)
    x86 = f.ArchFactory(name="x86_64")
    arm = f.ArchFactory(name="aarch64")

    def repo(prefix: str, version: m.Version, arch: m.Arch, cat: m.Category, path: str) -> Any:
        return f.RepositoryFactory(
            name=path, prefix=prefix, version=version, arch=arch, category=cat, directory=_dir(path)
        )

    r41 = repo("fedora-41", f41, x86, linux, "pub/fedora/linux/releases/41/Everything/x86_64/os")
    r41a = repo("fedora-41", f41, arm, linux, "pub/fedora/linux/releases/41/Everything/aarch64/os")
    r40 = repo("fedora-40", f40, x86, linux, "pub/fedora/linux/releases/40/Everything/x86_64/os")
    re9 = repo("epel-9", e9, x86, epel_cat, "pub/epel/9/Everything/x86_64")

    def host(name: str, country: str, bandwidth: int, **kw: Any) -> m.Host:
        site_kw = {k[5:]: kw.pop(k) for k in list(kw) if k.startswith("site_")}
        site = f.SiteFactory(name=f"{name} site", org_url=f"https://{name}.example.org/", **site_kw)
        return f.HostFactory(  # type: ignore[no-any-return]
            name=f"{name}.example.org", site=site, country=country, bandwidth_int=bandwidth, **kw
        )

    def carry(h: m.Host, cat: m.Category, urls: list[str], dirs: dict[Any, bool]) -> Any:
        hc = f.HostCategoryFactory(host=h, category=cat)
        for url in urls:
            f.HostCategoryUrlFactory(host_category=hc, url=url)
        for r, up in dirs.items():
            session.add(
                m.HostCategoryDir(
                    host_category_id=hc.id, directory_id=r.directory_id, path="x", up2date=up
                )
            )
        return hc

    de = host("mirror-de", "DE", 10_000, latitude=50.11, longitude=8.68, comment="Frankfurt")
    de.last_crawl_duration = 30.0
    de_linux = carry(
        de,
        linux,
        ["https://mirror-de.example.org/fedora/linux", "rsync://mirror-de.example.org/fedora"],
        {r41: True, r41a: True, r40: True},
    )
    session.add(
        m.HostCategoryUrl(
            host_category_id=de_linux.id,
            url="http://10.0.0.1/private",
            private=True,
        )
    )
    us = host("mirror-us", "US", 20_000, internet2=True)
    us.last_crawl_duration = 120.5
    carry(
        us,
        linux,
        [
            "http://mirror-us.example.org/pub/fedora/linux",
            "https://mirror-us.example.org/pub/fedora/linux",
        ],
        {r41: False, r40: True},
    )
    jp = host("mirror-jp", "JP", 1_000)
    carry(jp, epel_cat, ["https://mirror-jp.example.org/epel"], {re9: True})
    hidden = [
        host("private-host", "DE", 1_000, private=True),
        host("private-site", "DE", 1_000, site_private=True),
        host("disabled-host", "DE", 1_000, user_active=False),
        host("disabled-site", "DE", 1_000, site_admin_active=False),
    ]
    for h in hidden:
        carry(h, linux, [f"https://{h.name}/fedora"], {r41: True})
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for hours, (current, behind, older, failed) in enumerate(
        [(1, 1, 0, 0), (2, 0, 0, 0), (1, 0, 0, 1)]
    ):
        session.add(
            m.PropagationStat(
                repository_id=r41.id,
                at=now - dt.timedelta(hours=10 - hours),
                current=current,
                one_behind=behind,
                older=older,
                failed=failed,
            )
        )
    session.flush()
    ingest(session, [ACCESS_LOG], workers=1)
    return PublicWorld(de, us, jp, r41)


def make_app(session: Session, **config: Any) -> Flask:
    app = Flask("public_test")
    app.config.update(TESTING=True, **config)
    app.jinja_loader = ChoiceLoader([DictLoader({"base.html": BASE_HTML})])
    app.extensions["mm_session_factory"] = lambda: session
    app.register_blueprint(bp)
    return app
