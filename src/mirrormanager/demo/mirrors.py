"""One local HTTP server that plays every mirror of the demo network.

The demo network (:mod:`mirrormanager.demo.network`) gives host ``de`` the URL
``{base}/{topdir}`` and every other host ``{base}/{slug}/{topdir}``. This server maps both
onto a copy of the master tree, so `curl` and `dnf` can follow the metalinks the demo
serves. Tests hand it a separate tree for the unslugged mirror to play a stale mirror.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mirrormanager.demo.network import DEMO_MIRRORS

SLUGS = frozenset(m.slug for m in DEMO_MIRRORS if m.slug != "de")


class _MirrorHandler(SimpleHTTPRequestHandler):
    """Serves `/slug/path` from the master tree and `/path` from the first mirror's tree."""

    master: Path
    first: Path
    requests: list[str]

    def __init__(
        self, *args: Any, master: Path, first: Path, requests: list[str], **kwargs: Any
    ) -> None:
        self.master = master
        self.first = first
        self.requests = requests
        super().__init__(*args, directory=str(master), **kwargs)

    def translate_path(self, path: str) -> str:
        self.requests.append(path.split("?", 1)[0])
        head, _, rest = path.lstrip("/").partition("/")
        if head in SLUGS:
            self.directory = str(self.master)
            return super().translate_path("/" + rest)
        self.directory = str(self.first)
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo prints its own lines."""


class DemoMirrorServer:
    """A running mirror server; `requests` lists the paths asked for, in order."""

    def __init__(
        self,
        master: Path,
        *,
        port: int = 0,
        first_mirror: Path | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.requests: list[str] = []
        handler = partial(
            _MirrorHandler, master=master, first=first_mirror or master, requests=self.requests
        )
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DemoMirrorServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
