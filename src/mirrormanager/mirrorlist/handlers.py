"""One /mirrorlist or /metalink request: parameters -> selection -> body (no I/O)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mirrormanager.core.bounded import keep
from mirrormanager.core.netblocks import Address, parse_address
from mirrormanager.core.selection import Options, pick
from mirrormanager.core.selection_index import (
    METALINK_PROTOCOLS,
    MIRRORLIST_PROTOCOLS,
    Client,
    HostRecord,
)
from mirrormanager.core.targets import LookupFailure, Target, resolve_path
from mirrormanager.formats import metalink, mirrorlist_text
from mirrormanager.mirrorlist.geoip import CountryLookup
from mirrormanager.mirrorlist.redirect import redirect_headers
from mirrormanager.mirrorlist.state import Loaded

TEXT = "text/plain; charset=utf-8"
KNOWN_PROTOCOLS = frozenset({"https", "http", "ftp", "rsync"})
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_METALINK_DEFAULT = Options(protocols=METALINK_PROTOCOLS)
_MIRRORLIST_DEFAULT = Options(protocols=MIRRORLIST_PROTOCOLS)
_MAX_PARSED = 4096  # distinct country=/netblock=/protocol= texts kept parsed
_IP_IGNORED = ("ip= ignored: not from a trusted proxy",)


@dataclass(slots=True)
class Response:
    status: int
    content_type: str
    body: bytes
    outcome: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(slots=True)  # not frozen: made per request, and frozen fields cost 1 µs more
class AccessEntry:
    address: str
    country: str
    repo: str
    arch: str


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def control_character(params: Mapping[str, str]) -> str | None:
    """The first parameter (name or value) holding a control character, described for
    the client; None when there is none. Echoed, such a character would inject a line
    into the mirrorlist or make the metalink invalid XML."""
    text = "".join(params) + "".join(params.values())
    if text.isprintable() or _CONTROL.search(text) is None:
        return None  # the common case, decided by one C-level scan
    for name, value in params.items():
        for text in (name, value):
            found = _CONTROL.search(text)
            if found is not None:
                shown = name if _CONTROL.search(name) is None else "a parameter name"
                return (
                    f"parameter {shown} contains the control character "
                    f"U+{ord(found.group()):04X}; remove it"
                )
    return None


def _countries(raw: str) -> tuple[str, ...]:
    wanted = (c.strip().upper() for c in raw.split(","))
    return tuple(dict.fromkeys(c for c in wanted if c == "GLOBAL" or _COUNTRY.match(c)))


def parse_protocols(raw: str) -> tuple[str, ...]:
    wanted = (p.strip().lower() for p in raw.split(","))
    return tuple(dict.fromkeys(p for p in wanted if p in KNOWN_PROTOCOLS))


class Handler:
    """Answers one endpoint kind for the current snapshot; `rng` injectable for tests."""

    def __init__(self, geoip: CountryLookup, rng: random.Random | None = None) -> None:
        self.geoip = geoip
        self.rng = rng or random.Random()
        self._parsed: dict[tuple[bool, str | None, str | None, str | None], Options] = {}

    def _options(self, is_metalink: bool, params: Mapping[str, str]) -> Options:
        """The request's `Options`, one object per distinct parameter text: parsing and
        building cost ~1.2 us, and the answer pools find their class by identity then
        (`Options.__eq__` is Python code). Bounded: cleared when full."""
        key = (is_metalink, params.get("country"), params.get("netblock"), params.get("protocol"))
        found = self._parsed.get(key)
        if found is None:
            default = METALINK_PROTOCOLS if is_metalink else MIRRORLIST_PROTOCOLS
            found = Options(
                countries=_countries(params["country"]) if "country" in params else (),
                use_netblocks=params.get("netblock", "1") != "0",
                protocols=parse_protocols(params["protocol"]) if "protocol" in params else default,
            )
            keep(self._parsed, key, found, _MAX_PARSED)
        return found

    def _error(
        self, metalink_: bool, status: int, text: bytes, outcome: str, now: float
    ) -> Response:
        if metalink_:
            message = text.decode("utf-8").strip().replace("\n", " ")
            return Response(
                status, metalink.CONTENT_TYPE, metalink.error(message, now=now), outcome
            )
        return Response(status, TEXT, text, outcome)

    def answer(
        self,
        loaded: Loaded | None,
        endpoint: str,
        params: Mapping[str, str],
        peer_address: str,
        now: float,
        *,
        trusted: bool = False,
        checked: bool = False,
    ) -> tuple[Response, AccessEntry | None]:
        """`peer_address`: the client as the app determined it; `trusted`: the peer is a
        trusted proxy, so `ip=` names the client (from anyone else it is ignored: it
        would let a caller pose inside a private mirror's netblock or another country);
        `checked`: the caller found no control character in `params` (the app's query
        parser does while it cuts the query), so it is not looked for again."""
        is_metalink = endpoint == "metalink"
        if not checked:
            bad = control_character(params)
            if bad is not None:
                body = mirrorlist_text.message(bad)
                return self._error(is_metalink, 400, body, "control_character", now), None
        if loaded is None:
            body = mirrorlist_text.message("no mirror data loaded yet, try again shortly")
            return self._error(is_metalink, 503, body, "no_snapshot", now), None
        address: Address | None
        warnings: tuple[str, ...] = ()
        given_ip = params.get("ip", "").strip()
        if given_ip and not trusted:
            warnings = _IP_IGNORED
            given_ip = ""
        address_text = given_ip or peer_address
        try:
            address = parse_address(address_text) if address_text else None
        except ValueError:
            if given_ip:
                body = mirrorlist_text.message(f"invalid client address: {address_text}")
                return self._error(is_metalink, 400, body, "bad_address", now), None
            address = None  # a peer that is no IP (a unix socket): country unknown
        snapshot = loaded.snapshot
        repo, arch, path = params.get("repo", ""), params.get("arch", ""), params.get("path", "")
        try:
            if repo and arch:
                target = loaded.index.targets.resolve(repo, arch, metalink=is_metalink)
            elif path:
                target = resolve_path(snapshot, path, metalink=is_metalink)
            else:
                body = mirrorlist_text.usage_error()
                return self._error(is_metalink, 400, body, "usage", now), None
        except LookupFailure as failure:
            return self._failure(loaded, failure, is_metalink, now), None
        geo_country, position = self.geoip.locate(address) if address is not None else ("", None)
        client = Client(address, loaded.index.client_country(address, geo_country), position)
        if "country" in params or "netblock" in params or "protocol" in params:
            options = self._options(is_metalink, params)
        else:
            options = _METALINK_DEFAULT if is_metalink else _MIRRORLIST_DEFAULT
        pools = loaded.pools
        if pools is not None and target.file_hosts is None:
            picked = pools.pick(target.hosts, client, options, self.rng)
        else:  # a file's carriers: a host set made for this request, not pooled
            picked = pick(
                loaded.index,
                target.hosts,
                client,
                options,
                self.rng,
                transient=target.file_hosts is not None,
            )
        entry = None
        if target.repo:
            if address is not None and address.version == 4 and ":" not in address_text:
                shown = address_text.strip()  # as str(address) writes it, 1 µs sooner
            else:
                shown = str(address or peer_address)
            entry = AccessEntry(shown, client.country, target.repo, target.arch)
        outcome = "embargoed" if picked.embargoed else "ok"
        records = picked.records
        if is_metalink:
            note = picked.family_note
            body = metalink.render(
                target.file_name,
                target.files,
                records,
                target.suffix,
                now=now,
                comment=" ".join((*warnings, note) if note else warnings),
            )
            return Response(200, metalink.CONTENT_TYPE, body, outcome), entry
        if params.get("redirect") == "1":
            return self._redirect(target, records), entry
        what = mirrorlist_text.describe(target.repo, target.arch, target.path)
        created = snapshot.created if params.get("time", "0") not in ("", "0") else None
        notes = [*warnings, *picked.notes] if warnings else picked.notes
        body = mirrorlist_text.render(
            records, target.suffix, what=what, notes=notes, created=created
        )
        return Response(200, TEXT, body, outcome), entry

    def _redirect(self, target: Target, hosts: Sequence[HostRecord]) -> Response:
        """302 to the first mirror, RFC 6249 duplicates and an RFC 3230 digest."""
        headers = redirect_headers(target, hosts)
        if headers is None:
            body = mirrorlist_text.message("no http or https mirror to redirect to")
            return Response(404, TEXT, body, "redirect_none")
        return Response(302, TEXT, b"", "redirect", headers)

    def _failure(
        self, loaded: Loaded, failure: LookupFailure, is_metalink: bool, now: float
    ) -> Response:
        if failure.kind == "disabled":
            body = mirrorlist_text.disabled_repo(failure.repo, failure.arch)
            return self._error(is_metalink, 404, body, "disabled", now)
        if failure.kind == "invalid_repo":
            if is_metalink:  # the list of valid repos is for humans reading text
                what = mirrorlist_text.describe(failure.repo, failure.arch, "")
                line = f"{what} error: invalid repo or arch".encode()
                return self._error(True, 404, line, "invalid_repo", now)
            text = mirrorlist_text.invalid_repo(
                failure.repo, failure.arch, loaded.index.repository_help()
            )
            return Response(404, TEXT, text, "invalid_repo")
        body = mirrorlist_text.invalid_path(failure.path)
        return self._error(is_metalink, 404, body, "invalid_path", now)
