"""The public pages in headless Chromium: they render, their scripts work, and the browser
requests nothing outside the server's origin. Screenshots of each page go to
$MM_SCREENSHOT_DIR (e.g. docs/screenshots) when set, else to the test's temporary folder.

Needs Python playwright and a Chromium (Debian: `apt-get install chromium`; the path can be
set with MM_CHROMIUM); skipped when either is missing.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.web.public.views import invalidate_public_cache
from tests import factories
from tests.functional.web.public.public_world import build_world, make_app

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("MM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no Chromium installed", allow_module_level=True)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from mirrormanager.db.migrate import upgrade

    path = tmp_path_factory.mktemp("browser") / "public.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = make_session_factory(engine)
    session: Session = factory()
    factories.bind(session)
    build_world(session)
    session.commit()
    session.close()
    app = make_app(session)  # replaced below: each request gets its own session
    app.extensions["mm_session_factory"] = factory
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    engine.dispose()
    invalidate_public_cache()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("MM_SCREENSHOT_DIR") or tmp_path)


@pytest.fixture
def page(browser: Any, server: str, shots: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.shots = shots
    page.requested = []  # every URL the browser asked for
    page.errors = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            page.errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            page.errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    context.close()


def _check(page: Any, server: str, name: str) -> None:
    page.wait_for_load_state("networkidle")
    outside = [url for url in page.requested if not url.startswith(server + "/")]
    assert not outside, f"requests outside the origin: {outside}"
    assert not page.errors, page.errors
    page.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(page.shots / f"test-{name}.png"), full_page=True)


def test_mirror_list_sorts_and_filters(page: Any, server: str) -> None:
    page.goto(server + "/mirrors")
    assert page.locator("tbody tr").count() == 3
    page.fill("#mm-filter", "rsync")
    assert page.locator("tbody tr:not(.mm-hidden)").count() == 1
    assert page.text_content("#mm-count") == "1 of 3 mirrors"
    page.fill("#mm-filter", "")
    _check(page, server, "mirrors")


def test_release_page_sorts_by_bandwidth(page: Any, server: str) -> None:
    page.goto(server + "/mirrors/Fedora/41/x86_64")
    page.fill("#mm-filter", "")
    hosts = page.locator("tbody tr td:nth-child(3)")
    assert hosts.count() == 2
    _check(page, server, "mirrors-fedora-41-x86_64")


def test_statistics_charts_draw(page: Any, server: str) -> None:
    page.goto(server + "/statistics?start=2026-11-20&end=2026-11-27")
    page.wait_for_function("window.Chart && Chart.getChart('chart-per-day') !== undefined")
    drawn = page.evaluate(
        "['chart-per-day','chart-countries','chart-repositories','chart-arches','chart-releases']"
        ".filter(id => Chart.getChart(id)).length"
    )
    assert drawn == 5
    _check(page, server, "statistics")


def test_propagation_chart_draws(page: Any, server: str) -> None:
    page.goto(server + "/propagation")
    page.wait_for_function("window.Chart && Chart.getChart('chart-propagation') !== undefined")
    _check(page, server, "propagation")


def test_map_shows_every_mirror_with_a_popup(page: Any, server: str) -> None:
    page.goto(server + "/map")
    page.wait_for_selector("#mm-map[data-loaded='3']")
    markers = page.locator("path.leaflet-interactive")
    assert markers.count() > 3  # countries are interactive paths too
    page.evaluate(
        "document.querySelectorAll('.leaflet-overlay-pane path').forEach(p => p.dispatchEvent("
        "new MouseEvent('click', {bubbles: true, clientX: 0, clientY: 0})))"
    )
    _check(page, server, "map")


@pytest.mark.parametrize("path", ["/mirrors", "/mirrors/Fedora/41/x86_64", "/propagation"])
def test_no_sideways_scroll_at_390_px(browser: Any, server: str, path: str) -> None:
    """Wide tables scroll inside their own box; the page itself stays 390 px wide."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(server + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    table = page.evaluate(
        "Math.max(0, ...[...document.querySelectorAll('table')].map(t => t.scrollWidth))"
    )
    context.close()
    assert width <= 390, f"{path} is {width} px wide"
    if path.startswith("/mirrors"):
        assert table > 390  # the table is wider: it scrolls in its box, not the page
