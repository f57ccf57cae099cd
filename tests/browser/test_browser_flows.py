"""The main flows in real headless Chromium (Debian's `chromium`, driven by Playwright):
a mirror admin logs in, creates a site, adds a host, a category URL and a netblock; an
admin disables the host. Screenshots of the main pages go to tests/browser/screenshots/."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from mirrormanager.db import models as m
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.settings import Settings
from mirrormanager.web import accounts
from mirrormanager.web.app import create_app

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "browser test password"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")


@pytest.fixture
def server(file_db: str, tmp_path: Path) -> Iterator[str]:
    engine = make_engine(file_db)
    session = make_session_factory(engine)()
    with session.begin():
        product = m.Product(name="Fedora EPEL")
        topdir = m.Directory(name="pub/epel", files=[])
        session.add_all([product, topdir])
        session.flush()
        session.add(m.Category(name="Fedora EPEL", product_id=product.id, topdir_id=topdir.id))
        accounts.create_user(
            session, "alice", email="alice@example.org", password=PASSWORD, email_confirmed=True
        )
        root = accounts.create_user(session, "root", password=PASSWORD, email_confirmed=True)
        accounts.grant(session, root, "sysadmin-web")
    session.close()
    settings = Settings(
        database_url=file_db, data_dir=tmp_path, log_dir=tmp_path / "log", secret_key="browser-test"
    )
    app = create_app(settings)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)
    engine.dispose()


@pytest.fixture
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/sites/")


def test_mirror_admin_registers_a_mirror_and_admin_disables_it(
    server: str, browser: Any, file_db: str
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server}/login")
    shot(page, "01-login")
    log_in(page, server, "alice")
    page.click("text=+ New site")
    page.fill("#name", "mirror.example.edu")
    page.fill("#org_url", "https://example.edu/")
    page.fill("#password", "check-in secret")
    page.click("button:has-text('Create site')")
    page.wait_for_selector("h1:has-text('Site mirror.example.edu')")
    page.click("text=+ Add host")
    page.fill("#name", "ftp.example.edu")
    page.fill("#country", "us")
    page.fill("#bandwidth_int", "10000")
    page.click("button:has-text('Create host')")
    page.wait_for_selector("h1:has-text('Host ftp.example.edu')")
    page.select_option("#cat-category_id", label="Fedora EPEL")
    page.click("button:has-text('Add category')")
    page.wait_for_selector("h3:has-text('Fedora EPEL')")
    # A wrong URL is refused with the error next to the field, then corrected.
    page.fill("input[id$='-url']", "https://ftp.example.edu/pub")
    page.click("button:has-text('Add URL')")
    assert "must end with /epel" in page.inner_text(".field.has-error")
    shot(page, "04-url-error")
    page.fill("input[id$='-url']", "https://ftp.example.edu/pub/epel")
    page.click("button:has-text('Add')")
    page.wait_for_selector("text=https://ftp.example.edu/pub/epel")
    page.click("details:has(#nb-netblock) > summary")  # add forms fold away on the host page
    page.fill("#nb-netblock", "192.0.2.0/24")
    page.click("form:has(#nb-netblock) button")
    page.wait_for_selector("td:has-text('192.0.2.0/24')")
    shot(page, "03-host")
    page.click("text=mirror.example.edu")
    shot(page, "02-site")

    admin = browser.new_page(viewport={"width": 1200, "height": 900})
    log_in(admin, server, "root")
    admin.goto(f"{server}/admin/")
    shot(admin, "05-admin-dashboard")
    admin.goto(f"{server}/admin/hosts")
    admin.click("a[href*='/switch']")  # one step: the page asks why and disables
    admin.fill("#reason", "Serves outdated content")
    admin.click("button:has-text('Disable host')")
    admin.wait_for_selector("text=disabled by the admins: Serves outdated content")
    shot(admin, "06-host-disabled-by-admin")

    engine = make_engine(file_db)
    session = make_session_factory(engine)()
    host = session.scalars(select(m.Host).where(m.Host.name == "ftp.example.edu")).one()
    assert not host.admin_active and host.disable_reason == "Serves outdated content"
    urls = session.scalars(select(m.HostCategoryUrl.url)).all()
    assert urls == ["https://ftp.example.edu/pub/epel"]
    session.close()
    engine.dispose()
