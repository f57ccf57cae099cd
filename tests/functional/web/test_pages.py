"""Every page renders for the people who may see it."""

from __future__ import annotations

import pytest

from tests.functional.web.conftest import World


def test_login_page_renders_with_csrf_token(web_client, web_world: World) -> None:
    response = web_client(None).get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"


def _pages(w: World) -> list[str]:
    return [
        "/sites/",
        f"/sites/{w.site_a.id}",
        f"/sites/{w.site_a.id}/edit",
        f"/sites/{w.site_a.id}/delete",
        "/sites/new",
        f"/sites/{w.site_a.id}/hosts/new",
        f"/hosts/{w.host_a.id}",
        f"/hosts/{w.host_a.id}/edit",
        f"/hosts/{w.host_a.id}/delete",
        f"/hosts/{w.host_a.id}/netblocks/add",
        f"/hosts/{w.host_a.id}/countries/add",
        f"/hosts/{w.host_a.id}/acl-ips/add",
        f"/hosts/{w.host_a.id}/netblocks/{w.netblock_a.id}/delete",
        f"/hosts/{w.host_a.id}/categories/add",
        f"/host-categories/{w.hc_a.id}/delete",
        f"/host-categories/{w.hc_a.id}/urls/add",
        f"/urls/{w.url_a.id}/delete",
        "/account/",
        "/account/password",
    ]


ADMIN_PAGES = [
    "/admin/",
    "/admin/hosts",
    "/admin/hosts?state=failing",
    "/admin/audit",
    "/admin/users/",
    "/admin/products/",
    "/admin/products/new",
    "/admin/arches/",
    "/admin/versions/",
    "/admin/versions/new",
    "/admin/categories/",
    "/admin/categories/new",
    "/admin/repositories/",
    "/admin/repository-redirects/",
    "/admin/country-continent/",
    "/admin/embargoed/",
    "/admin/netblock-countries/",
    "/admin/locations/",
    "/admin/groups/",
]


def test_site_admin_sees_every_page_of_own_site(web_client, web_world: World) -> None:
    client = web_client(web_world.alice)
    for url in _pages(web_world):
        response = client.get(url)
        assert response.status_code == 200, url


def test_admin_sees_every_page(web_client, web_world: World) -> None:
    client = web_client(web_world.admin)
    for url in [
        *_pages(web_world),
        *ADMIN_PAGES,
        f"/admin/users/{web_world.alice.id}",
        f"/admin/hosts/{web_world.host_a.id}/switch",
        f"/admin/categories/{web_world.category.id}/edit",
        f"/hosts/{web_world.host_a.id}/peer-asns/add",
        f"/hosts/{web_world.host_a.id}/locations/add",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_are_forbidden_to_site_admins(web_client, web_world: World, url: str) -> None:
    assert web_client(web_world.alice).get(url).status_code == 403


def test_anonymous_is_sent_to_login(web_client, web_world: World) -> None:
    client = web_client(None)
    for url in [*_pages(web_world), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"]


def test_pages_have_unique_element_ids(web_client, web_world: World) -> None:
    import re
    from collections import Counter

    client = web_client(web_world.admin)
    for url in (f"/hosts/{web_world.host_a.id}", f"/sites/{web_world.site_a.id}", "/account/"):
        ids = Counter(re.findall(r'\sid="([^"]+)"', client.get(url).get_data(as_text=True)))
        assert [i for i, n in ids.items() if n > 1] == [], url


def test_root_redirects(web_client, web_world: World) -> None:
    assert web_client(None).get("/").status_code == 302
