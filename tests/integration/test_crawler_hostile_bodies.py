"""Hostile bodies from real loopback servers: endless bodies and gzip bombs cost the crawler
at most its per-document cap (plus one decoding slice), never the size the server sends.

No timing is asserted; memory is asserted as bytes read before the abort and, for the
32-hosts-at-once crawl, as tracemalloc's peak against the documented bound
(hosts at once x connections per host x repomd.xml cap, plus a fixed allowance).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import threading
import tracemalloc
import zlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mirrormanager.crawler.compare import RepomdGeneration
from mirrormanager.crawler.fetch import _SLICE, BodyTooLarge
from mirrormanager.crawler.http import HttpConnector, default_client
from mirrormanager.crawler.model import CrawlOptions, DirPlan, HostPlan
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import crawl
from mirrormanager.db.models import CategoryDirectory
from tests import factories
from tests.integration import mirror_servers as servers

CAP = 256 << 10
BOMB_SIZE = 256 << 20  # what the bomb expands to


def _gzip_bomb() -> bytes:
    """A gzip stream of BOMB_SIZE zero bytes (about 250 KB), built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(BOMB_SIZE >> 20)]
    return b"".join([*parts, packer.flush()])


BOMB = _gzip_bomb()


def bomb(sock: socket.socket, stop: threading.Event) -> None:
    """Every GET answers a gzip bomb (with an honest compressed Content-Length)."""
    while not stop.is_set():
        request = sock.recv(65536)
        if not request:
            return
        if request.startswith(b"HEAD"):
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            continue
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(BOMB)}\r\n\r\n"
        sock.sendall(head.encode() + BOMB)


def gzip_then_endless(sock: socket.socket, stop: threading.Event) -> None:
    """A GET gets a tiny complete gzip stream, then endless bytes the decoder ignores."""
    while not stop.is_set():
        request = sock.recv(65536)
        if not request:
            return
        if request.startswith(b"HEAD"):
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            continue
        head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"
        sock.sendall(head + zlib.compress(b"x", wbits=31))
        while not stop.is_set():
            sock.sendall(b"z" * 0x4000)


REPOMD_DIR = DirPlan(
    directory_id=1,
    path="41/repodata",
    files=(),
    repomd=(RepomdGeneration(hashlib.sha256(b"x").hexdigest(), 1),),
)
HOST = HostPlan(id=1, name="hostile", site="s", max_connections=4, categories=())


def check_one(port: int, options: CrawlOptions) -> BodyTooLarge:
    async def run() -> BodyTooLarge:
        connector = HttpConnector(default_client(HOST, options), HOST, options)
        try:
            await connector.check(
                f"http://127.0.0.1:{port}/pub", (REPOMD_DIR,), options, lambda *_: None
            )
        except BodyTooLarge as exc:
            return exc
        finally:
            await connector.aclose()
        raise AssertionError("a body over the cap was accepted")

    return asyncio.run(run())


@pytest.mark.parametrize(
    "behaviour",
    [servers.endless, bomb, gzip_then_endless],
    ids=["endless", "gzip-bomb", "gzip-then-endless"],
)
def test_a_body_over_its_cap_is_abandoned_after_at_most_one_slice(behaviour: object) -> None:
    options = CrawlOptions(max_repomd_bytes=CAP, connect_timeout=5, read_timeout=5)
    with servers.raw_server(behaviour) as port:  # type: ignore[arg-type]
        error = check_one(port, options)
    assert error.limit == CAP
    assert CAP < error.received <= CAP + _SLICE  # decoded, or raw for the last case
    assert error.url.endswith("/41/repodata/repomd.xml")
    assert f"larger than {CAP} bytes" in str(error)


def test_each_document_has_its_own_cap_within_the_ceiling() -> None:
    options = CrawlOptions(
        max_response_bytes=1 << 20,
        max_repomd_bytes=4 << 20,
        max_timelist_bytes=1 << 10,
        max_listing_bytes=8 << 20,
    )
    assert options.cap("repomd") == 1 << 20  # clipped to the ceiling
    assert options.cap("timelist") == 1 << 10
    assert options.cap("listing") == 1 << 20


def test_32_hostile_hosts_at_once_stay_within_the_documented_bound(
    db_session: Session, tmp_path: Path
) -> None:
    top = factories.DirectoryFactory(name="pub/hostile")
    category = factories.CategoryFactory(name="Hostile", topdir=top)
    for index in range(8):  # eight repositories: four requests per host at once
        repodata = factories.DirectoryFactory(
            name=f"pub/hostile/{index}/repodata",
            files=[{"name": "repomd.xml", "size": 1, "mtime": 1}],
        )
        factories.FileDetailFactory(directory=repodata, sha256="0" * 64, timestamp=1)
        db_session.add(CategoryDirectory(category_id=category.id, directory_id=repodata.id))
    db_session.add(CategoryDirectory(category_id=category.id, directory_id=top.id))
    hosts, connections = 32, 4
    with contextlib.ExitStack() as stack:
        ports = [
            stack.enter_context(servers.raw_server(servers.endless)),
            stack.enter_context(servers.raw_server(bomb)),
        ]
        for index in range(hosts):
            host = factories.HostFactory(name=f"hostile{index}", max_connections=connections)
            hc = factories.HostCategoryFactory(host=host, category=category)
            factories.HostCategoryUrlFactory(
                host_category=hc, url=f"http://127.0.0.1:{ports[index % 2]}/h{index}/pub/hostile"
            )
        db_session.commit()
        options = CrawlOptions(
            concurrency=hosts,
            max_repomd_bytes=CAP,
            connect_timeout=10,
            read_timeout=10,
            host_timeout=120,
            repodata_only=True,
            log_dir=None,
            record_propagation=False,
        )
        tracemalloc.start()
        try:
            summary = crawl(db_session, HostSelection(), options)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert [h.status for h in summary.hosts] == ["failed"] * hosts
    assert all(f"larger than {CAP} bytes" in (h.reason or "") for h in summary.hosts)
    # Each request holds at most its cap plus a decoding slice and a socket read.
    bound = hosts * connections * (CAP + 2 * _SLICE) + (32 << 20)
    assert peak < bound, f"peak {peak >> 20} MiB over the bound {bound >> 20} MiB"
    # Without the caps, one bomb alone expands past the whole bound.
    assert bound < BOMB_SIZE
