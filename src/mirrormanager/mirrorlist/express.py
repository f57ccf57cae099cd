"""The express lane: the common request answered in one pass over kept objects (no I/O).

Most requests a mirrorlist server sees are alike: GET, a plain `repo=&arch=` query
(perhaps `ip=` from a trusted proxy and `country=`), an IPv4 client whose GeoIP answer
is kept, a repository target and a client class whose answer pool is full. The general
path (`MirrorlistApp.route` -> `Handler.answer` -> `AnswerPools.pick` -> the renderers)
answers them through ~40 Python calls and a dozen per-request objects; under load that
Python work, not HTTP, set the server's rate (docs/mirrorlist-server.md, "The express
lane"). `answer` takes such a request from the ASGI scope to the two response messages,
reading the same per-snapshot objects and caches the general path fills, drawing the
same random numbers in the same order and updating the same pool counters, access log
and metrics: its answers are the general path's, byte for byte (the tests run both).

Anything else returns None *before* any side effect, and the general path answers:
another method, path, parameter or encoding, a proxy or GeoIP answer not kept yet, an
IPv6 client, a city database's position, an embargoed country, a class still filling
or not pooled, the strict family setting. A request the lane cannot finish after its
first random draw (a `country=` answer drawn afresh, rare) is finished by the general
functions it would have called.

`_express.c` is the compiled twin (`core.compiled`); this module is its reference.
"""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from ipaddress import IPv4Address
from typing import Any

from mirrormanager.core import compiled
from mirrormanager.core.netblocks import longest
from mirrormanager.core.pool import compose
from mirrormanager.core.selection import pick
from mirrormanager.core.selection_index import Client
from mirrormanager.formats import metalink, mirrorlist_text
from mirrormanager.mirrorlist import handlers
from mirrormanager.mirrorlist.query import MAX_QUERY, parse_plain

# the app (`mirrorlist.app.MirrorlistApp`, which imports this module: named loosely here
# so that the modules form no import cycle)
MirrorlistApp = Any
Message = MutableMapping[str, Any]
Messages = tuple[Message, Message]

_NAMES = frozenset({"repo", "arch", "ip", "country"})
_GEO_WIDE = 1 << 24  # the GeoIP cache's key offset of an IPv4 /16 (geoip._LEVELS)
_METALINK_TYPE = metalink.CONTENT_TYPE.encode()
_TEXT_TYPE = handlers.TEXT.encode()


def ipv4_number(text: str) -> int | None:
    """The number of a dotted quad as `parse_address` accepts it (no spaces, no leading
    zeros, four parts of at most 255); None for anything else (IPv6, odd forms)."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    number = 0
    for part in parts:
        if not (part.isascii() and part.isdigit()) or len(part) > 3:
            return None
        if len(part) > 1 and part[0] == "0":
            return None
        value = int(part)
        if value > 255:
            return None
        number = number << 8 | value
    return number


def client_text(app: MirrorlistApp, scope: Message, ip: str) -> str | None:
    """The client's address text as `MirrorlistApp.client_address` and `Handler.answer`
    find it; None when the lane cannot tell without the general path (a peer not
    judged yet, `ip=` from an untrusted peer: a warning line)."""
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    if not len(app.trusted) or not peer:
        return None if ip else peer
    trusted = app._trusted_peers.get(peer)
    if trusted is None:
        return None
    if not trusted:
        return None if ip else peer
    if ip:
        return ip
    forwarded = None
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            forwarded = value
    if forwarded is None:
        return peer
    last = forwarded.decode("latin-1").split(",")[-1].strip()
    return last or peer


def answer_py(app: MirrorlistApp, scope: Message) -> Messages | None:
    """The response messages (start, body) for `scope`, or None: the general path answers."""
    started = time.perf_counter()
    path = scope.get("path")
    method = scope.get("method")
    if type(path) is not str or (method != "GET" and method != "HEAD"):
        return None
    if path.endswith("/metalink"):
        is_metalink, endpoint = True, "metalink"
    elif path.endswith("/mirrorlist"):
        is_metalink, endpoint = False, "mirrorlist"
    else:
        return None
    raw = scope.get("query_string", b"")
    if type(raw) is not bytes or len(raw) > MAX_QUERY:
        return None
    parsed = parse_plain(raw)
    if parsed is None or not parsed[1]:
        return None
    params = parsed[0]
    if not params.keys() <= _NAMES:
        return None
    repo, arch = params.get("repo", ""), params.get("arch", "")
    if not repo or not arch:
        return None
    loaded = app.holder.current
    if loaded is None or loaded.pools is None:
        return None
    address_text = client_text(app, scope, params.get("ip", ""))
    if not address_text:
        return None
    number = ipv4_number(address_text)
    if number is None:
        return None
    target = loaded.index.targets.plain.get((repo, arch, is_metalink))
    if target is None or target.file_hosts is not None:
        return None
    handler = app.handler
    geo_cache = getattr(handler.geoip, "_cache", None)
    if geo_cache is None:
        return None
    located = geo_cache.get(number >> 8)
    if located is None:
        located = geo_cache.get(number >> 16 | _GEO_WIDE)
        if located is None:
            return None
    geo_country, position = located
    if position is not None:
        return None
    index = loaded.index
    address = None
    country = geo_country
    if len(index.country_overrides):
        address = IPv4Address(number)
        country = longest(index.country_overrides, address) or geo_country
    if country != country.upper():  # as client_country gives it (GeoIP codes are)
        return None
    if "country" in params:
        options = handler._parsed.get((is_metalink, params["country"], None, None))
        if options is None:
            return None
    else:
        options = handlers._METALINK_DEFAULT if is_metalink else handlers._MIRRORLIST_DEFAULT
    pools = loaded.pools
    if pools.size <= 0 or (country and country in index.embargoed) or index.strict_family:
        return None
    if not options.use_netblocks:
        return None
    if index.distance_order:
        if country not in index._country_cells:
            return None
        cell = index._country_cells[country]
    else:
        cell = None
    hosts = target.directory.hosts
    key = (id(hosts), country, cell, 4, options)
    pool = pools._pools.get(key)
    if pool is None or pool.hosts is not hosts or not pool.pooled or pool.view is None:
        return None
    entries = pool.entries
    if len(entries) < pools.size:
        return None
    # no return None from here on: the random draws and counters are the general path's
    pools._pools.move_to_end(key)
    rng = handler.rng
    drawn = entries[int(rng.random() * len(entries))]
    pools.hits += 1
    pool.served += 1
    if address is None:
        address = IPv4Address(number)
    client = Client(address, country, None)
    countries = bool(options.countries)
    made = compose(index, pool, drawn, pool.view, client, countries, set(), rng)
    if made is not None:
        records, notes = made[0], made[2]
        family_note = drawn.family_note
    else:  # the requested countries' hosts all came first: drawn afresh, as the pools do
        picked = pick(index, hosts, client, options, rng)
        records, notes, family_note = picked.records, picked.notes, picked.family_note
    now = app.clock()
    if is_metalink:
        body = metalink.render(
            target.file_name, target.files, records, target.suffix, now=now, comment=family_note
        )
        content_type = _METALINK_TYPE
    else:
        what = mirrorlist_text.describe(target.repo, target.arch, target.path)
        body = mirrorlist_text.render(records, target.suffix, what=what, notes=notes)
        content_type = _TEXT_TYPE
    if target.repo:
        app.access_log.add(address_text, country, target.repo, target.arch, endpoint, now)
    app.metrics.observe(endpoint, "ok", time.perf_counter() - started)
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    return start, {"type": "http.response.body", "body": b"" if method == "HEAD" else body}


_compiled = compiled.load("mirrormanager.mirrorlist._express")
answer: Callable[[MirrorlistApp, Message], Messages | None] = (
    _compiled.answer if _compiled is not None else answer_py
)
