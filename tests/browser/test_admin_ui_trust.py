"""Issue 15 in headless Chromium: the host's state reads the same on every page, "Check
now" brings back a host the crawler disabled (the real crawler against a real HTTP mirror
on loopback, in the web process's background thread), the admins' one-step Disable, the
last-admin refusal, the delete summary, and no sideways scroll at 390 px.

Screenshots go to $MM_SCREENSHOT_DIR (docs/screenshots to refresh the README's), else to
the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import crawl
from mirrormanager.db import models as m
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.web import accounts, checks
from mirrormanager.web.app import create_app
from mirrormanager.web.public.views import invalidate_public_cache
from tests.functional.web.check_world import (
    Switch,
    add_mirror_host,
    scanned_master,
    switchable_mirror,
)

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("MM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium installed")
PASSWORD = "browser test password"
HOST = "mirror.site-a.example"
SITE = "site-a.example"
NARROW = 390


@dataclass
class Served:
    base: str
    switch: Switch
    settings: Any
    factory: Any
    host_id: int
    site_id: int


@pytest.fixture
def served(tmp_path: Path, file_db: str) -> Iterator[Served]:
    settings, mirror = scanned_master(tmp_path, file_db)
    engine = make_engine(file_db)
    factory = make_session_factory(engine)
    switch = Switch()
    with switchable_mirror(mirror, switch) as port:
        with factory() as session:
            site = m.Site(name=SITE, org_url="https://site-a.example/")
            session.add(site)
            session.flush()
            alice = accounts.create_user(
                session, "alice", email="alice@example.org", password=PASSWORD, email_confirmed=True
            )
            session.add(m.SiteAdmin(site_id=site.id, user_id=alice.id))
            root = accounts.create_user(session, "root", password=PASSWORD, email_confirmed=True)
            accounts.grant(session, root, settings.admin_group)
            host = add_mirror_host(session, site, HOST, port)
            session.commit()
            host_id, site_id = host.id, site.id
        app = create_app(settings)  # the real thread runner for "Check now"
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield Served(
                f"http://127.0.0.1:{httpd.server_port}", switch, settings, factory, host_id, site_id
            )
        finally:
            httpd.shutdown()
            thread.join(5)
            invalidate_public_cache()
    engine.dispose()


@pytest.fixture
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    path = Path(os.environ.get("MM_SCREENSHOT_DIR") or tmp_path / "shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_in(browser: Any, base: str, username: str, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/sites/")
    return page


def fail_crawls(served: Served, times: int) -> None:
    crawl_host(served, up=False, times=times)


def crawl_host(served: Served, *, up: bool, times: int = 1) -> None:
    """The scheduled crawl, `times` times, with the mirror up or answering 503 (in a thread
    of its own: Playwright's event loop runs in this one)."""

    def run() -> None:
        with served.factory() as session:
            for _ in range(times):
                crawl(
                    session,
                    HostSelection(ids=(served.host_id,)),
                    checks.crawl_options(served.settings),
                )

    served.switch.up = up
    worker = threading.Thread(target=run)
    worker.start()
    worker.join(120)
    served.switch.up = True
    assert not worker.is_alive()


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_crawler_disabled_host_check_now_and_admin_disable(
    served: Served, browser: Any, shots: Path
) -> None:
    base = served.base
    fail_crawls(served, served.settings.crawler_auto_disable)
    alice = log_in(browser, base, "alice")
    host_url = f"{base}/hosts/{served.host_id}"
    for url in (f"{base}/sites/", f"{base}/sites/{served.site_id}", host_url):
        alice.goto(url)
        assert "disabled by the crawler" in alice.inner_text("main"), url
        assert "disabled by you" not in alice.inner_text("main"), url
    alice.goto(f"{base}/sites/")
    shot = alice.screenshot
    shot(path=str(shots / "01-my-sites-health.png"), full_page=True)
    alice.goto(host_url)
    assert "After 4 failed crawls in a row" in alice.inner_text(".host-state")
    root = log_in(browser, base, "root")
    root.goto(f"{base}/admin/hosts")
    assert "disabled by the crawler" in root.inner_text("main")

    # Check now: a background crawl; the page reloads itself until the result is there.
    alice.click("button:has-text('Check now')")
    alice.wait_for_selector("text=the host is enabled again", timeout=60_000)
    assert alice.inner_text(".host-state .state") == "enabled"
    assert "ok" in alice.inner_text("#check table")
    alice.screenshot(path=str(shots / "03-host.png"), full_page=True)
    with served.factory() as session:
        host = session.get(m.Host, served.host_id)
        assert host is not None and host.user_active and not host.disabled_by_crawler

    # The admins disable in one step, asked for the reason; the mirror admin sees it.
    root.goto(f"{base}/admin/hosts")
    root.screenshot(path=str(shots / "05-admin-hosts.png"), full_page=True)
    root.click(f"tr:has-text('{HOST}') a:has-text('Disable')")
    root.fill("#reason", "Serves outdated content")
    root.click("button:has-text('Disable host')")
    root.wait_for_selector("text=disabled by the admins: Serves outdated content")
    alice.goto(host_url)
    assert "disabled by the admins: Serves outdated content" in alice.inner_text(".host-state")
    alice.goto(f"{base}/sites/{served.site_id}")
    assert "disabled by the admins: Serves outdated content" in alice.inner_text("main")
    root.goto(f"{base}/admin/")
    root.screenshot(path=str(shots / "05-admin-dashboard.png"), full_page=True)


def test_last_admin_refusal_and_delete_summary(served: Served, browser: Any, shots: Path) -> None:
    base = served.base
    alice = log_in(browser, base, "alice")
    alice.goto(f"{base}/sites/{served.site_id}")
    alice.click("tr:has-text('alice') a:has-text('Remove')")
    message = alice.inner_text(".flash-error")
    assert "alice is the last administrator of site-a.example and cannot be removed" in message
    alice.screenshot(path=str(shots / "02-site.png"), full_page=True)
    alice.click("a:has-text('Delete site')")
    summary = alice.inner_text(".delete-summary")
    for item in ("1 host", "1 carried category", "1 URL"):
        assert item in summary, item
    alice.screenshot(path=str(shots / "06-delete-summary.png"), full_page=True)
    alice.click("text=Cancel")
    with served.factory() as session:
        assert session.scalar(select(m.Site.id).where(m.Site.id == served.site_id))


def test_no_sideways_scroll_at_390_px(served: Served, browser: Any, shots: Path) -> None:
    base = served.base
    crawl_host(served, up=True)  # a current mirror: the public list has a row
    crawl_host(served, up=False)  # and a long error message on the host page
    alice = log_in(browser, base, "alice", width=NARROW)
    pages = {
        "host": f"{base}/hosts/{served.host_id}",
        "host-edit": f"{base}/hosts/{served.host_id}/edit",
        "site": f"{base}/sites/{served.site_id}",
        "my-sites": f"{base}/sites/",
        "public-mirrors": f"{base}/mirrors",
    }
    widths = {}
    for name, url in pages.items():
        alice.goto(url)
        widths[name] = page_width(alice)
    too_wide = {name: w for name, w in widths.items() if w > NARROW}
    assert not too_wide, too_wide
    alice.goto(pages["public-mirrors"])
    assert HOST in alice.inner_text("main")
    alice.goto(pages["host"])
    alice.screenshot(path=str(shots / "07-host-390px.png"), full_page=True)
