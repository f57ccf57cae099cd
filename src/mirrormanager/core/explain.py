"""Why each host is or is not in an answer (pure; `mirrormanager explain`, and later the
web UI's host page for one host).

It runs the server's own selection (`pick`) for the request and client, then gives every
host of the snapshot a verdict: the step that offered it and its rank, or the first rule
that kept it out, in the order the server applies them. Hosts that are not in the
snapshot at all (inactive host or site, a mirror in an embargoed country, no public URL)
are unknown here; `explain_host` says so for one host id.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from mirrormanager.core.selection import Options, pick
from mirrormanager.core.selection_index import Client, SelectionIndex
from mirrormanager.core.targets import Target

# Why a host was not offered: code -> what it means (the codes are stable, for the UI)
REASONS = {
    "embargoed": "the client's country is embargoed: nobody is offered",
    "not_in_snapshot": "not in the snapshot: host or site inactive, its country embargoed, "
    "or no public URL",
    "stale_repodata": "carries the repository but its repodata/ is not up to date",
    "not_carried": "does not carry this directory up to date",
    "file_differs": "carries the directory, but its copy of this file differs from the "
    "master's (a partial host: offered for its other files)",
    "file_unchecked": "its last check of the directory is older than this file",
    "no_protocol_url": "no URL of the requested protocols",
    "country_not_allowed": "its 'countries allowed' list excludes the client's country",
    "wrong_family": "known unreachable over the client's IP family (strict family)",
    "private": "private: offered only to clients in its netblocks or autonomous system",
    "not_requested_country": "not in the countries the request asked for",
    "not_needed": "outside the client's country and continent, and the global step was not needed",
}


@dataclass(frozen=True, slots=True)
class HostVerdict:
    host_id: int
    name: str
    country: str
    offered: bool
    step: str = ""  # netblock, asn, country, continent, global (when offered)
    rank: int = 0  # 1-based position in the answer (when offered)
    reason: str = ""  # a `REASONS` code (when not offered)
    detail: str = ""  # the reason in words, with the specifics

    def line(self) -> str:
        who = f"{self.name} (id {self.host_id}, {self.country or '??'})"
        if self.offered:
            return f"{self.rank:>4}. {who}: offered by the {self.step} step"
        return f"   -  {who}: not offered: {self.detail}"


@dataclass(frozen=True, slots=True)
class Explanation:
    request: str  # "repo = fedora-41 arch = x86_64" or "path = …"
    directory: str  # the directory whose hosts were candidates
    client_address: str
    client_country: str
    client_continent: str
    notes: tuple[str, ...]  # the answer's first comment line, after the request
    hosts: tuple[HostVerdict, ...]  # offered ones in answer order, then the others by id

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def text(self) -> str:
        lines = [
            f"# {self.request} {' '.join(self.notes)}".rstrip(),
            f"# candidates: hosts carrying {self.directory} up to date",
            f"# client: {self.client_address or 'unknown address'}, country "
            f"{self.client_country or 'unknown'}, continent {self.client_continent or 'unknown'}",
        ]
        lines += [verdict.line() for verdict in self.hosts]
        return "\n".join(lines) + "\n"


def explain(
    index: SelectionIndex,
    target: Target,
    client: Client,
    options: Options,
    rng: random.Random | None = None,
) -> Explanation:
    """The answer the server would give, host by host."""
    # a file's carriers when they differ from the directory's hosts (partial hosts, checks
    # older than the file): the host set the server answers from
    transient = target.file_hosts is not None
    picked = pick(index, target.hosts, client, options, rng or random.Random(), transient=transient)
    offered: dict[int, tuple[str, int]] = {}
    records = iter(picked.records)
    for step, count in picked.steps:
        for _ in range(count):
            offered[next(records).host.id] = (step, len(offered) + 1)
    facts = _facts(index, target, options, offered, picked.embargoed)
    verdicts = [_verdict(index, target, client, host_id, facts) for host_id in index.hosts]
    verdicts.sort(key=lambda v: (not v.offered, v.rank, v.host_id))
    if target.path:
        request = f"path = {target.path}"
    else:
        request = f"repo = {target.repo} arch = {target.arch}"
    return Explanation(
        request=request,
        directory=target.directory.name,
        client_address=str(client.address) if client.address is not None else "",
        client_country=client.country,
        client_continent=index.continent(client.country) if client.country else "",
        notes=tuple(picked.notes),
        hosts=tuple(verdicts),
    )


def explain_host(
    index: SelectionIndex,
    target: Target,
    client: Client,
    options: Options,
    host_id: int,
    rng: random.Random | None = None,
) -> HostVerdict:
    """One host's verdict (the web UI's host page); hosts not in the snapshot too."""
    for verdict in explain(index, target, client, options, rng).hosts:
        if verdict.host_id == host_id:
            return verdict
    return HostVerdict(
        host_id, "", "", False, reason="not_in_snapshot", detail=REASONS["not_in_snapshot"]
    )


@dataclass(frozen=True, slots=True)
class _Facts:
    """What every host's verdict reads, gathered once per explanation (not per host)."""

    options: Options
    offered: dict[int, tuple[str, int]]
    embargoed: bool
    carried: frozenset[int]  # the hosts the answer is drawn from (a file's carriers)
    in_directory: frozenset[int]  # up to date or partial in the directory
    in_parent: frozenset[int]  # carry the repository whose repodata/ this is
    with_url: frozenset[int]  # have a URL of the requested protocols


def _facts(
    index: SelectionIndex,
    target: Target,
    options: Options,
    offered: dict[int, tuple[str, int]],
    embargoed: bool,
) -> _Facts:
    directory = target.directory
    parent = index.snapshot.directories.get(directory.name.removesuffix("/repodata"))
    transient = target.file_hosts is not None
    view = index.view(index.dir_hosts(target.hosts, transient=transient), options.protocols)
    return _Facts(
        options,
        offered,
        embargoed,
        carried=frozenset(i for i, _urls in target.hosts),
        in_directory=frozenset(i for i, _urls in (*directory.hosts, *directory.partial)),
        in_parent=frozenset(i for i, _urls in parent.hosts) if parent is not None else frozenset(),
        with_url=frozenset(view.records),
    )


def _verdict(
    index: SelectionIndex, target: Target, client: Client, host_id: int, facts: _Facts
) -> HostVerdict:
    options, offered = facts.options, facts.offered
    host = index.hosts[host_id]
    base = (host_id, host.name, host.country)
    if host_id in offered:
        step, rank = offered[host_id]
        return HostVerdict(*base, True, step=step, rank=rank)

    def no(reason: str, detail: str = "") -> HostVerdict:
        text = REASONS[reason] + (f" ({detail})" if detail else "")
        return HostVerdict(*base, False, reason=reason, detail=text)

    if facts.embargoed:
        return no("embargoed", client.country)
    if host_id not in facts.carried and target.file_hosts is not None:
        if target.file_name in target.directory.missing.get(host_id, ()):
            return no("file_differs", target.file_name)
        if host_id in facts.in_directory:
            return no("file_unchecked", target.file_name)
    if host_id not in facts.carried:
        if (
            target.repo
            and target.directory.name.endswith("/repodata")
            and host_id in facts.in_parent
        ):
            return no("stale_repodata")
        return no("not_carried", target.directory.name)
    if host_id not in facts.with_url:
        return no("no_protocol_url", ", ".join(options.protocols))
    if host.countries_allowed and client.country not in host.countries_allowed:
        return no("country_not_allowed", "allowed: " + ", ".join(host.countries_allowed))
    family = client.address.version if client.address is not None else 0
    if index.strict_family and host_id in index.unreachable.get(family, frozenset()):
        return no("wrong_family", f"IPv{family}")
    if host.private:
        return no("private")
    if options.countries:
        return no("not_requested_country", ", ".join(options.countries))
    continent = index.continent(host.country)
    return no(
        "not_needed",
        f"host in {host.country or '??'}/{continent or '??'}; {len(offered)} hosts found before "
        f"it, the minimum is {index.minimum}",
    )
