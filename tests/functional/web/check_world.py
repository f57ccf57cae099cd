"""A real mirror for "Check now" tests: the demo tree scanned into a file database, and a
loopback HTTP server serving a copy of it that can be switched to failing (503)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select

from mirrormanager.db.models import Category, Host, HostCategory, HostCategoryUrl, Site
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.demo.tree import build_demo_tree
from mirrormanager.scanner.service import scan
from mirrormanager.settings import Settings, load_settings

CATEGORY = "Fedora EPEL"


class Switch:
    """Whether the mirror answers (False: every request gets 503)."""

    def __init__(self) -> None:
        self.up = True


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    switch: Switch

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        if not self.switch.up:
            self.send_error(503, "down for the test")
            return None
        return super().send_head()


@contextlib.contextmanager
def switchable_mirror(root: Path, switch: Switch) -> Iterator[int]:
    handler = type("Handler", (_Handler,), {"switch": switch})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def scanned_master(tmp_path: Path, file_db: str) -> tuple[Settings, Path]:
    """Settings of a scanned demo master and the root of a current mirror copy of it."""
    master = tmp_path / "master"
    build_demo_tree(master)
    mirror = tmp_path / "mirror"
    shutil.copytree(master, mirror, symlinks=True)
    settings = dataclasses.replace(
        load_settings(env={}).settings,
        master_prefix=master,
        database_url=file_db,
        data_dir=tmp_path,
        log_dir=tmp_path / "log",
        secret_key="check-test",
        admin_group="sysadmin-web",
        crawler_connect_timeout=2.0,
        crawler_read_timeout=5.0,
        crawler_probe_reachability=False,
        web_check_min_interval=0.0,
    )
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        assert scan(session, settings).ok
        session.commit()
    engine.dispose()
    return settings, mirror


def add_mirror_host(session: Any, site: Site, name: str, port: int) -> Host:
    category = session.scalars(select(Category).where(Category.name == CATEGORY)).one()
    host = Host(site=site, name=name, country="DE", max_connections=4)
    hc = HostCategory(host=host, category=category)
    url = HostCategoryUrl(host_category=hc, url=f"http://127.0.0.1:{port}/pub/epel")
    session.add_all([host, hc, url])
    session.flush()
    return host
