"""The mirrorlist server as a raw ASGI callable (chosen by measurement: docs/mirrorlist-server.md).

Routes: any path ending in /mirrorlist or /metalink; /-/health; /-/snapshot; /metrics;
everything else 404. Every request is wrapped: no input produces a 500 or a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
import time
import typing
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mirrormanager.core import compiled
from mirrormanager.core.bounded import keep
from mirrormanager.core.netblocks import PrefixTable, longest, parse_address
from mirrormanager.logging import get_logger
from mirrormanager.mirrorlist import express
from mirrormanager.mirrorlist.accesslog import AccessLog
from mirrormanager.mirrorlist.geoip import CountryLookup, open_geoip
from mirrormanager.mirrorlist.handlers import TEXT, Handler, Response
from mirrormanager.mirrorlist.metrics import Metrics
from mirrormanager.mirrorlist.query import MAX_QUERY, parse_plain, parse_query
from mirrormanager.mirrorlist.state import Decoder, SnapshotHolder

if TYPE_CHECKING:
    from mirrormanager.settings import Settings

log = get_logger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = "application/json"

_REFRESH_SECONDS = 0.1  # the answer pools' background refresh: how often,
_REFRESH_DRAWS = 25  # how many entries at most each time
# and for how long at most: 0.5 ms every 0.1 s, 0.5 % of a worker's CPU. 25 draws of full
# answers took ~4 ms a tick, 10 % of the CPU per request of a loaded worker (measured
# with the benchmark's own-country mix: 53 -> 48 µs a request without the refresh).
_REFRESH_BUDGET = 0.0005
_MAX_PEERS = 4096  # trusted-proxy verdicts kept per worker
_CONTENT_TYPES: dict[str, bytes] = {}  # content type -> its header value, encoded once


def _content_type(value: str) -> bytes:
    found = _CONTENT_TYPES.get(value)
    if found is None:
        found = value.encode()
        if len(_CONTENT_TYPES) < 64:
            _CONTENT_TYPES[value] = found
    return found


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What a worker needs from the settings: made once by `from_settings`, handed to the
    worker processes as JSON (`to_json`/`from_json` follow the fields: a new field needs
    one line here and one in `from_settings`)."""

    snapshot_path: Path
    geoip_path: str = ""
    minimum: int = 5
    reload_seconds: float = 2.0
    access_log: Path | None = None
    trusted_proxies: tuple[str, ...] = ()
    embargoed_countries: tuple[str, ...] = ()
    strict_family: bool = False
    distance_order: bool = True
    pool_size: int = 16
    pool_bytes: int = 64 << 20

    @classmethod
    def from_settings(
        cls, settings: Settings, *, snapshot: Path | None = None, geoip: Path | None = None
    ) -> ServerConfig:
        """The workers' configuration from the settings, with command-line overrides."""
        return cls(
            snapshot_path=snapshot or settings.effective_snapshot_file,
            geoip_path=str(geoip) if geoip else settings.geoip_database,
            minimum=settings.mirrorlist_minimum,
            reload_seconds=settings.mirrorlist_reload_seconds,
            access_log=settings.effective_access_log,
            trusted_proxies=tuple(settings.trusted_proxies),
            embargoed_countries=tuple(settings.embargoed_countries),
            strict_family=settings.mirrorlist_strict_family,
            distance_order=settings.mirrorlist_distance_order,
            pool_size=settings.mirrorlist_pool_size,
            pool_bytes=settings.mirrorlist_pool_bytes,
        )

    def to_json(self) -> str:
        return json.dumps(
            {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        )

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        raw = json.loads(text)
        hints = typing.get_type_hints(cls)
        return cls(
            **{
                f.name: _from_jsonable(hints[f.name], raw[f.name])
                for f in dataclasses.fields(cls)
                if f.name in raw
            }
        )


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _from_jsonable(tp: Any, value: Any) -> Any:
    """A JSON value back to the field's type (the types `ServerConfig` uses)."""
    if value is None:
        return None
    args = typing.get_args(tp)
    if args and type(None) in args:  # X | None
        tp = next(a for a in args if a is not type(None))
    if typing.get_origin(tp) is tuple:
        return tuple(value)
    if tp in (Path, int, float, str, bool):
        return tp(value)
    raise TypeError(f"ServerConfig cannot read a {tp!r} from JSON")


class MirrorlistApp:
    def __init__(
        self,
        config: ServerConfig,
        *,
        geoip: CountryLookup | None = None,
        rng: random.Random | None = None,
        decoder: Decoder | None = None,
        clock: Callable[[], float] = time.time,
        express_lane: bool = True,
    ) -> None:
        """`express_lane`: answer the common request through `express.answer` (False: the
        general path answers every request; the tests compare both)."""
        self.config = config
        self.express_lane = express_lane
        self.holder = SnapshotHolder(
            config.snapshot_path,
            minimum=config.minimum,
            embargoed=config.embargoed_countries,
            reload_seconds=config.reload_seconds,
            decoder=decoder,
            strict_family=config.strict_family,
            distance_order=config.distance_order,
            pool_size=config.pool_size,
            pool_bytes=config.pool_bytes,
        )
        self.geoip = geoip if geoip is not None else open_geoip(config.geoip_path)
        self.handler = Handler(self.geoip, rng)
        self.access_log = AccessLog(config.access_log)
        self.metrics = Metrics()
        self.clock = clock
        self.trusted: PrefixTable[bool] = PrefixTable.build(
            (c, True) for c in config.trusted_proxies
        ).freeze()
        # peer address -> is a trusted proxy: behind a proxy every request comes from the
        # same few peers (a dict hit instead of parsing and a prefix look-up, ~2 µs)
        self._trusted_peers: dict[str, bool] = {}
        self._tasks: list[asyncio.Task[None]] = []

    # --- life cycle -----------------------------------------------------------------
    async def startup(self) -> None:
        # which answer path runs: C modules, or their Python twins (slower, same answers)
        log.info("mirrorlist worker starting", compiled_modules=compiled.active())
        await asyncio.to_thread(self.holder.load_now)
        self.holder.install_sighup(also=self.on_hangup)
        self._tasks = [
            asyncio.create_task(self.holder.watch()),
            asyncio.create_task(self._flush_loop()),
            asyncio.create_task(self._refresh_loop()),
        ]

    def on_hangup(self) -> None:
        """SIGHUP (besides the snapshot reload): reopen the access log and the GeoIP file."""
        self.access_log.reopen()
        if self.config.geoip_path:
            old, self.geoip = self.geoip, open_geoip(self.config.geoip_path)
            self.handler.geoip = self.geoip
            close = getattr(old, "close", None)
            if close is not None:
                close()

    async def shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self.access_log.close()

    async def _refresh_loop(self) -> None:
        """Redraw the answer pools' entries that were served, a slice at a time (at most
        25 draws and 0.5 ms every 0.1 s), so the order behind the first position keeps
        changing."""
        while True:
            await asyncio.sleep(_REFRESH_SECONDS)
            loaded = self.holder.current
            if loaded is not None and loaded.pools is not None:
                try:
                    deadline = time.perf_counter() + _REFRESH_BUDGET
                    loaded.pools.refresh(self.handler.rng, _REFRESH_DRAWS, deadline=deadline)
                except Exception as exc:  # the refresh must outlive any surprise
                    log.error("answer pool refresh failed", error=repr(exc))

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.access_log.flush()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- requests -------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if self.express_lane:
            try:
                messages = express.answer(self, scope)
            except Exception as exc:  # a bug there must not fail the request: general path
                log.error("express lane failed", path=scope.get("path"), error=repr(exc))
                messages = None
            if messages is not None:
                await send(messages[0])
                await send(messages[1])
                return
        started = time.perf_counter()
        endpoint = "other"
        try:
            endpoint, response = self.route(scope)
        except Exception as exc:  # a bug must not become a 500 with a traceback
            log.error("request failed", path=scope.get("path"), error=repr(exc))
            response = Response(503, TEXT, b"# error: temporarily unable to answer\n", "internal")
        self.metrics.observe(endpoint, response.outcome, time.perf_counter() - started)
        headers = [
            (b"content-type", _content_type(response.content_type)),
            (b"content-length", str(len(response.body)).encode()),
        ]
        if response.headers:
            headers += response.headers
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        body = b"" if scope.get("method") == "HEAD" else response.body
        await send({"type": "http.response.body", "body": body})

    def client_address(self, scope: Scope) -> tuple[str, bool]:
        """The client and whether the peer is a trusted proxy: the peer itself, or the
        last X-Forwarded-For entry when the peer is a trusted proxy."""
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        if not len(self.trusted) or not peer:
            return peer, False
        trusted = self._trusted_peers.get(peer)
        if trusted is None:
            try:
                trusted = longest(self.trusted, parse_address(peer)) is not None
            except ValueError:
                trusted = False
            keep(self._trusted_peers, peer, trusted, _MAX_PEERS)  # direct clients are many
        if not trusted:
            return peer, False
        # ASGI servers give header names in lower case (the specification requires it)
        forwarded = [v for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
        if not forwarded:
            return peer, True
        last = forwarded[-1].decode("latin-1").split(",")[-1].strip()
        return last or peer, True

    def route(self, scope: Scope) -> tuple[str, Response]:
        path: str = scope.get("path", "")
        if scope.get("method") not in ("GET", "HEAD"):
            return "other", Response(405, TEXT, b"# error: only GET and HEAD\n", "method")
        if path.endswith("/mirrorlist") or path.endswith("/metalink"):
            endpoint = "metalink" if path.endswith("/metalink") else "mirrorlist"
            return endpoint, self._answer(scope, endpoint)
        if path == "/-/health":
            return "health", self._health()
        if path == "/-/snapshot":
            return "snapshot", self._snapshot_info()
        if path == "/metrics":
            return "metrics", self._metrics()
        return "other", Response(404, TEXT, b"# error: not found\n", "not_found")

    def _answer(self, scope: Scope, endpoint: str) -> Response:
        now = self.clock()
        raw: bytes = scope.get("query_string", b"")
        if len(raw) > MAX_QUERY:
            body = b"# error: query string too long\n"
            return self.handler._error(endpoint == "metalink", 400, body, "too_long", now)
        parsed = parse_plain(raw)
        if parsed is None:  # %xx or '+' to decode: the handler checks the decoded text
            params, checked = parse_query(raw), False
        else:
            params, checked = parsed
        address, trusted = self.client_address(scope)
        response, entry = self.handler.answer(
            self.holder.current, endpoint, params, address, now, trusted=trusted, checked=checked
        )
        if entry is not None:
            self.access_log.add(entry.address, entry.country, entry.repo, entry.arch, endpoint, now)
        return response

    def _health(self) -> Response:
        if self.holder.current is None:
            return Response(503, TEXT, b"no snapshot loaded\n", "not_ready")
        return Response(200, TEXT, b"ok\n", "ok")

    def _snapshot_info(self) -> Response:
        loaded = self.holder.current
        if loaded is None:
            body = json.dumps({"loaded": False, "path": str(self.config.snapshot_path)})
            return Response(503, JSON, body.encode() + b"\n", "not_ready")
        snap = loaded.snapshot
        info = {
            "loaded": True,
            "path": str(self.config.snapshot_path),
            "serial": snap.serial,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(snap.created)),
            "created_epoch": snap.created,
            "age_seconds": round(self.clock() - snap.created, 3),
            "sha256": loaded.sha256,
            "load_seconds": round(loaded.load_seconds, 3),
            "hosts": len(snap.hosts),
            "directories": len(snap.directories),
            "repositories": len(snap.repositories),
        }
        return Response(200, JSON, json.dumps(info).encode() + b"\n", "ok")

    def _metrics(self) -> Response:
        loaded = self.holder.current
        body = self.metrics.render(
            snapshot_age=self.clock() - loaded.snapshot.created if loaded else None,
            snapshot_serial=loaded.snapshot.serial if loaded else None,
            reloads=self.holder.reloads,
            reload_failures=self.holder.failures,
        )
        return Response(200, "text/plain; version=0.0.4; charset=utf-8", body, "ok")
