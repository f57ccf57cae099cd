"""Admin pages: the tables, users and groups, the dashboard and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from tests import factories as f
from tests.functional.web.conftest import World


def test_admin_crud_products(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    admin = web_client(web_world.admin)
    assert (
        admin.post("/admin/products/new", {"name": "CentOS", "publiclist": "y"}).status_code == 302
    )
    r = admin.post("/admin/products/new", {"name": "CentOS"})
    assert "exists" in r.get_data(as_text=True)
    r = admin.post("/admin/products/new", {"name": ""})
    assert 'class="error"' in r.get_data(as_text=True)
    product = db_session.scalars(select(m.Product).where(m.Product.name == "CentOS")).one()
    assert (
        admin.post(f"/admin/products/{product.id}/edit", {"name": "CentOS Stream"}).status_code
        == 302
    )
    assert admin.get(f"/admin/products/{product.id}/delete").status_code == 200
    assert admin.post(f"/admin/products/{product.id}/delete").status_code == 302
    db_session.expire_all()
    assert db_session.get(m.Product, product.id) is None
    summaries = db_session.scalars(
        select(m.AuditLog.summary).where(m.AuditLog.object_type == "Product")
    ).all()
    assert len(summaries) == 3


def test_product_in_use_is_not_deleted(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    admin = web_client(web_world.admin)
    product_id = web_world.category.product_id
    r = admin.post(f"/admin/products/{product_id}/delete", follow_redirects=True)
    assert "still in use" in r.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(m.Product, product_id) is not None


def test_admin_edits_category_topdir_versions_and_geo(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    admin = web_client(web_world.admin)
    product_id = web_world.category.product_id
    r = admin.post(
        "/admin/categories/new",
        {
            "name": "Fedora Linux",
            "product_id": str(product_id),
            "topdir": "pub/fedora/linux",
            "publiclist": "y",
        },
    )
    assert r.status_code == 302
    cat = db_session.scalars(select(m.Category).where(m.Category.name == "Fedora Linux")).one()
    assert cat.topdir is not None and cat.topdir.name == "pub/fedora/linux"
    r = admin.post(
        "/admin/versions/new",
        {"product_id": str(product_id), "name": "42", "display": "y", "sortorder": "5"},
    )
    assert r.status_code == 302
    for url, data in [
        ("/admin/country-continent/new", {"country": "il", "continent": "eu"}),
        ("/admin/embargoed/new", {"country": "kp"}),
        ("/admin/netblock-countries/new", {"netblock": "192.0.2.0/24", "country": "de"}),
        ("/admin/locations/new", {"name": "aws-us-east-1"}),
        ("/admin/repository-redirects/new", {"from_repo": "epel-7", "to_repo": "epel-archive-7"}),
        ("/admin/arches/new", {"name": "riscv64"}),
        ("/admin/groups/new", {"name": "mirror-wranglers"}),
    ]:
        assert admin.post(url, data).status_code == 302, url
    r = admin.post("/admin/country-continent/new", {"country": "XX1", "continent": "ZZ"})
    page = r.get_data(as_text=True)
    assert "two-letter" in page and "Use one of" in page
    assert db_session.scalars(select(m.CountryContinentRedirect.continent)).one() == "EU"
    assert db_session.scalars(select(m.EmbargoedCountry.country)).all() == ["KP"]


def test_repository_toggle(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    repo = f.RepositoryFactory(prefix="epel-9")
    db_session.commit()
    admin = web_client(web_world.admin)
    assert "epel-9" in admin.get("/admin/repositories/?q=epel-9").get_data(as_text=True)
    assert admin.post(f"/admin/repositories/{repo.id}/toggle").status_code == 302
    db_session.expire_all()
    assert db_session.get(m.Repository, repo.id).disabled is True  # type: ignore[union-attr]
    assert admin.get("/admin/repositories/new").status_code == 404


def test_admin_manages_users_and_groups(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    admin = web_client(web_world.admin)
    alice = web_world.alice.id
    assert admin.post(f"/admin/users/{alice}/groups", {"group": "sysadmin-web"}).status_code == 302
    # alice is now an admin and sees site B.
    assert web_client(web_world.alice).get(f"/sites/{web_world.site_b.id}").status_code == 200
    assert admin.post(f"/admin/users/{alice}/groups/sysadmin-web/remove").status_code == 302
    assert web_client(web_world.alice).get(f"/sites/{web_world.site_b.id}").status_code == 404
    r = admin.post(f"/admin/users/{alice}", {"email": "alice@example.org", "active": ""})
    assert r.status_code == 302
    assert web_client(web_world.alice).get("/sites/").status_code == 302  # disabled account
    r = admin.post(f"/admin/users/{web_world.admin.id}", {"active": ""})
    assert "cannot disable your own" in r.get_data(as_text=True)


def test_dashboard_counts_and_jobs(
    web_client: Callable[..., Any], web_world: World, db_session: Session
) -> None:
    web_world.host_b.crawl_failures = 2
    db_session.add(m.JobRun(job="umdl", status="ok"))
    db_session.add(m.JobRun(job="snapshot", status="failed", error="disk full"))
    db_session.commit()
    page = web_client(web_world.admin).get("/admin/").get_data(as_text=True)
    assert "umdl" in page and "disk full" in page
    failing = web_client(web_world.admin).get("/admin/hosts?state=failing").get_data(as_text=True)
    assert "mirror.site-b.example.org" in failing and "mirror.site-a.example.org" not in failing


def test_audit_log_lists_changes_for_admins(
    web_client: Callable[..., Any], web_world: World
) -> None:
    web_client(web_world.alice).post(
        f"/hosts/{web_world.host_a.id}/countries/add", {"cc-country": "AT"}
    )
    page = web_client(web_world.admin).get("/admin/audit?q=alice").get_data(as_text=True)
    assert "allowed country AT added" in page
    assert web_client(web_world.alice).get("/admin/audit").status_code == 403


def test_host_page_shows_crawl_state_and_log(
    web_client: Callable[..., Any], web_world: World, db_session: Session, tmp_path: Any
) -> None:
    from mirrormanager.crawler.hostlog import write_host_log

    host = db_session.get(m.Host, web_world.host_a.id)
    assert host is not None
    host.last_crawl_duration = 12.5
    host.admin_active = False
    host.disable_reason = "Too many crawl failures"
    d = f.DirectoryFactory(name="pub/epel/9/x86_64")
    db_session.add(
        m.HostCategoryDir(
            host_category_id=web_world.hc_a.id, directory_id=d.id, path="9/x86_64", up2date=False
        )
    )
    db_session.commit()
    write_host_log(tmp_path / "log", host.id, "2026-01-01 - INFO - crawl of <host> done\n")
    page = web_client(web_world.alice).get(f"/hosts/{host.id}").get_data(as_text=True)
    assert "Too many crawl failures" in page and "12.5 s" in page
    assert "9/x86_64" in page and "crawl of &lt;host&gt; done" in page
