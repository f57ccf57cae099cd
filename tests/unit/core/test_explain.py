"""`core.explain`: every host gets the step that offered it or the rule that kept it out."""

from __future__ import annotations

import dataclasses
import random

from mirrormanager.core.explain import REASONS, explain, explain_host
from mirrormanager.core.netblocks import parse_address
from mirrormanager.core.selection import Options, pick
from mirrormanager.core.selection_index import Client, SelectionIndex
from mirrormanager.core.snapshot_model import DirectoryEntry, HostInfo, HostUrl, Snapshot
from mirrormanager.core.targets import resolve_path, resolve_repo

TOP = "pub/fedora/linux"
REPO = TOP + "/updates/41/Everything/x86_64"
HOSTS = {
    1: HostInfo(1, "de-fresh", "DE", 100, 1, False),
    2: HostInfo(2, "de-stale", "DE", 100, 1, False),
    3: HostInfo(3, "campus", "DE", 100, 1, True, netblocks=("192.0.2.0/24",)),
    4: HostInfo(4, "cz-only", "CZ", 100, 1, False, countries_allowed=("CZ",)),
    5: HostInfo(5, "at-rsync", "AT", 100, 1, False),
    6: HostInfo(6, "us", "US", 100, 1, False),
    7: HostInfo(7, "fr-v4only", "FR", 100, 1, False, reachable_ipv6=False),
    8: HostInfo(8, "jp-elsewhere", "JP", 100, 1, False),
}
URLS = {i: HostUrl(i, i, f"https://{h.name}.example/fedora") for i, h in HOSTS.items()}
URLS[5] = HostUrl(5, 5, "rsync://at-rsync.example/fedora")


def snapshot() -> Snapshot:
    everyone = tuple((i, (i,)) for i in HOSTS if i != 8)
    fresh = (*(pair for pair in everyone if pair[0] != 2), (8, (8,)))
    dirs = {
        REPO: DirectoryEntry(REPO, "updates/41/Everything/x86_64", everyone),
        REPO + "/repodata": DirectoryEntry(
            REPO + "/repodata", "updates/41/Everything/x86_64/repodata", fresh
        ),
    }
    return Snapshot(
        1,
        1,
        dict(HOSTS),
        dict(URLS),
        dirs,
        {("updates-released-f41", "x86_64"): REPO},
        embargoed_countries=frozenset({"KP"}),
    )


def run(client: Client, options: Options | None = None, *, strict: bool = False, minimum: int = 3):
    snap = snapshot()
    index = SelectionIndex(snap, minimum=minimum, strict_family=strict)
    target = resolve_repo(snap, "updates-released-f41", "x86_64", metalink=False)
    result = explain(index, target, client, options or Options(), random.Random(4))
    return {v.name: v for v in result.hosts}, result, index, target


def test_every_rule_names_its_hosts() -> None:
    client = Client(parse_address("2001:db8::9"), "DE")
    verdicts, result, _index, _target = run(client, strict=True, minimum=1)
    assert verdicts["de-fresh"].offered and verdicts["de-fresh"].step == "country"
    assert verdicts["de-stale"].reason == "stale_repodata"
    assert verdicts["campus"].reason == "private"
    assert verdicts["cz-only"].reason == "country_not_allowed"
    assert verdicts["at-rsync"].reason == "no_protocol_url"
    assert verdicts["fr-v4only"].reason == "wrong_family"
    assert verdicts["us"].reason == "not_needed" and verdicts["jp-elsewhere"].offered is False
    assert "1 hosts found before it, the minimum is 1" in verdicts["us"].detail
    assert result.notes[-1] == "IPv6-reachable only"
    assert result.request == "repo = updates-released-f41 arch = x86_64"
    assert result.directory == REPO + "/repodata"
    text = result.text()
    assert "de-stale (id 2, DE): not offered: " + REASONS["stale_repodata"] in text


def test_offered_hosts_are_the_servers_answer_in_its_order() -> None:
    client = Client(parse_address("192.0.2.7"), "DE")
    verdicts, result, index, target = run(client, minimum=10)
    picked = pick(index, target.directory.hosts, client, Options(), random.Random(4))
    offered = [v for v in result.hosts if v.offered]
    assert [v.host_id for v in offered] == [r.host.id for r in picked.records]
    assert [v.rank for v in offered] == list(range(1, len(offered) + 1))
    assert verdicts["campus"].step == "netblock" and verdicts["campus"].rank == 1
    assert verdicts["us"].step == "global"  # minimum 10: the global step runs


def test_requested_countries_embargo_and_paths() -> None:
    verdicts, *_ = run(Client(None, "DE"), Options(countries=("US",)))
    assert verdicts["de-fresh"].reason == "not_requested_country"
    verdicts, *_ = run(Client(None, "KP"))
    assert {v.reason for v in verdicts.values()} == {"embargoed"}
    snap = snapshot()
    index = SelectionIndex(snap)
    target = resolve_path(snap, REPO + "/repodata", metalink=False)
    path_verdicts = {v.name: v for v in explain(index, target, Client(None, "DE"), Options()).hosts}
    assert path_verdicts["de-stale"].reason == "not_carried"  # a path request: no "repodata" rule


def test_one_host_for_the_web_ui_and_json() -> None:
    _v, result, index, target = run(Client(None, "DE"))
    verdict = explain_host(index, target, Client(None, "DE"), Options(), 2)
    assert verdict.reason == "stale_repodata" and not verdict.offered
    missing = explain_host(index, target, Client(None, "DE"), Options(), 999)
    assert missing.reason == "not_in_snapshot"
    plain = result.to_dict()
    assert plain["hosts"][0]["offered"] is True and set(plain) >= {"notes", "client_country"}
    assert dataclasses.asdict(verdict)["reason"] == "stale_repodata"


def test_a_file_is_explained_from_its_carriers_as_the_server_answers_it() -> None:
    """path= of a file: partial hosts are offered for the files they hold, and named with
    the right reason for the file they lack; a check older than the file keeps a host out."""
    snap = snapshot()
    everyone = snap.directories[REPO].hosts
    up = tuple(pair for pair in everyone if pair[0] not in (1, 2))  # 1 and 2: partial
    partial_dir = dataclasses.replace(
        snap.directories[REPO],
        hosts=up,
        partial=((1, (1,)), (2, (2,))),
        missing={1: frozenset({"new.rpm"}), 2: frozenset()},
        recent={"newest.rpm": 2_000},
        verified={2: 1_000, 3: 3_000, 4: 3_000, 5: 3_000, 6: 3_000, 7: 3_000},
    )
    snap = dataclasses.replace(snap, directories={**snap.directories, REPO: partial_dir})
    index = SelectionIndex(snap, minimum=1)
    client = Client(None, "DE")

    def verdicts(name: str) -> dict[str, object]:
        target = resolve_path(snap, f"{REPO}/{name}", metalink=False)
        result = explain(index, target, client, Options(), random.Random(4))
        server = pick(index, target.hosts, client, Options(), random.Random(4), transient=True)
        offered = [v.host_id for v in result.hosts if v.offered]
        assert offered == [r.host.id for r in server.records], "explain = the server"
        return {v.name: v for v in result.hosts}

    old = verdicts("old.rpm")  # both partial hosts hold it
    assert old["de-fresh"].offered and old["de-stale"].offered
    new = verdicts("new.rpm")  # host 1's copy differs
    assert new["de-fresh"].reason == "file_differs" and "new.rpm" in new["de-fresh"].detail
    assert new["de-stale"].offered
    newest = verdicts("newest.rpm")  # host 2 was last checked before it appeared
    assert newest["de-stale"].reason == "file_unchecked"
    assert newest["de-fresh"].offered  # no check time known: as the server (carriers)
    assert REASONS["file_differs"].startswith("carries the directory")
