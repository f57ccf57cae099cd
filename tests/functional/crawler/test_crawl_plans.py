"""Crawl plans read in bulk equal the plans read host by host (the old way, kept here)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.crawler.model import CategoryPlan, HostPlan
from mirrormanager.crawler.plan import HostSelection, PlanBuilder, order_urls, select_hosts
from mirrormanager.db.models import Category, CategoryDirectory, Host, HostCategory, HostCategoryUrl
from tests import factories


def host_by_host(builder: PlanBuilder, host: Host, categories: Sequence[str]) -> HostPlan | None:
    """PlanBuilder.host before plans were read in bulk: two queries per host."""
    stmt = (
        select(HostCategory, Category)
        .join(Category, HostCategory.category_id == Category.id)
        .where(HostCategory.host_id == host.id)
        .order_by(Category.name)
    )
    if categories:
        stmt = stmt.where(Category.name.in_(categories))
    plans = []
    for hc, category in builder.session.execute(stmt):
        urls = builder.session.scalars(
            select(HostCategoryUrl.url).where(HostCategoryUrl.host_category_id == hc.id)
        ).all()
        plans.append(
            CategoryPlan(
                host_category_id=hc.id,
                category_id=category.id,
                name=category.name,
                urls=order_urls(urls, builder.protocol, repodata_only=builder.repodata_only),
                always_up2date=hc.always_up2date,
                dirs=() if hc.always_up2date else builder.directories(category),
                timelist=None if hc.always_up2date else builder.timelist(category),
            )
        )
    if not plans:
        return None
    return HostPlan(
        id=host.id,
        name=host.name,
        site=host.site.name,
        max_connections=max(1, host.max_connections or 1),
        categories=tuple(plans),
    )


@pytest.mark.parametrize("repodata_only", [False, True])
@pytest.mark.parametrize("categories", [(), ("Beta",), ("Nothing",)])
def test_bulk_plans_equal_host_by_host_plans(
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
    repodata_only: bool,
    categories: tuple[str, ...],
) -> None:
    made = []
    for name in ("Beta", "Alpha"):
        top = factories.DirectoryFactory(name=f"pub/{name.lower()}")
        repodata = factories.DirectoryFactory(
            name=f"pub/{name.lower()}/repodata", files=[{"name": "repomd.xml", "size": 3}]
        )
        factories.FileDetailFactory(directory=repodata, sha256="ab" * 32, timestamp=5)
        category = factories.CategoryFactory(name=name, topdir=top)
        for directory in (top, repodata):
            db_session.add(CategoryDirectory(category_id=category.id, directory_id=directory.id))
        made.append(category)
    beta, alpha = made
    for index in range(7):  # more hosts than one IN (...) list holds, with the chunk at 3
        host = factories.HostFactory(
            name=f"m{index}.example.org", max_connections=index % 3, crawl_failures=index % 2
        )
        carried = [alpha, beta] if index % 3 else [beta]
        if index == 6:
            carried = []  # carries nothing: no plan
        for category in carried:
            hc = factories.HostCategoryFactory(
                host=host, category=category, always_up2date=index == 4 and category is alpha
            )
            for position, scheme in enumerate(("http", "rsync", "https", "http")[: 1 + index % 4]):
                factories.HostCategoryUrlFactory(
                    host_category=hc, url=f"{scheme}://m{index}.example.org/{hc.id}/{position}"
                )
    db_session.commit()
    builder = PlanBuilder(db_session, repodata_only=repodata_only)
    hosts = select_hosts(db_session, HostSelection())
    old = [p for h in hosts if (p := host_by_host(builder, h, categories)) is not None]

    monkeypatch.setattr("mirrormanager.crawler.plan._CHUNK", 3)
    fresh = PlanBuilder(db_session, repodata_only=repodata_only)
    new = fresh.hosts(select_hosts(db_session, HostSelection()), categories)
    assert new == old
    assert len(new) == (0 if categories == ("Nothing",) else 6)
