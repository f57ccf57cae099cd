"""`mirrormanager site|host|url|netblock|token …` against a real database (SQLite and
PostgreSQL): what they change, what they print, and what they refuse (exit 7, nothing
changed)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import func, select

from mirrormanager.db import models as m
from tests.functional.manage_cli.conftest import CliDb, Run

Mm = Callable[..., Run]


def _count(db: CliDb, model: type, *where: object) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _audit(db: CliDb) -> list[tuple[str | None, str | None]]:
    with db.session() as s:
        rows = s.execute(select(m.AuditLog.username, m.AuditLog.summary).order_by(m.AuditLog.id))
        return [(u, t) for u, t in rows]


def test_site_lifecycle(mm: Mm, cli_db: CliDb) -> None:
    r = mm("site", "add", "new.example.org", "--org-url", "https://new.example.org",
           "--admin", "carol", "--password", "secret-pw-1")  # fmt: skip
    assert r.code == 0, r.err
    assert "site new.example.org created" in r.out
    shown = json.loads(mm("site", "show", "new.example.org", "--json").out)
    assert shown["admins"] == ["carol"] and shown["has_password"] is True
    assert shown["admin_active"] is True and shown["org_url"] == "https://new.example.org"
    names = [s["name"] for s in json.loads(mm("site", "list", "--json").out)]
    assert names == ["new.example.org", "site-a", "site-b"]
    # carol sees only her site; alice only hers
    assert [s["name"] for s in json.loads(mm("site", "list", "--json", "--as", "carol").out)] == [
        "new.example.org"
    ]
    r = mm("site", "edit", "new.example.org", "--private", "--comments", "hi", "--as", "carol")
    assert r.code == 0 and "downstream_comments, private" in r.out
    assert mm("site", "edit", "new.example.org", "--private", "--as", "carol").out.endswith(
        "nothing changed\n"
    )
    # admin-only field, other site, bad URL, duplicate name: refused, exit 7
    r = mm("site", "edit", "new.example.org", "--disabled", "--as", "carol")
    assert r.code == 7 and "admin_active" in r.err and "administrator" in r.err
    r = mm("site", "edit", "site-b", "--private", "--as", "carol")
    assert r.code == 7 and "no site 'site-b'" in r.err
    r = mm("site", "edit", "new.example.org", "--org-url", "javascript:alert(1)")
    assert r.code == 7 and "org_url" in r.err
    r = mm("site", "add", "site-a")
    assert r.code == 7 and "exists already" in r.err
    # the audit log names the system actor and the user
    trail = _audit(cli_db)
    assert ("system", "site new.example.org created (CLI)") in trail
    assert ("carol", "site new.example.org edited (CLI)") in trail
    # delete: dry run first
    mm("host", "add", "new.example.org", "h1.new.example.org", "--country", "NL")
    r = mm("site", "delete", "new.example.org", "--dry-run")
    assert r.code == 0 and "would delete site new.example.org with its 1 hosts" in r.out
    assert _count(cli_db, m.Site, m.Site.name == "new.example.org") == 1
    assert mm("site", "delete", "new.example.org", "--as", "alice").code == 7
    assert mm("site", "delete", "new.example.org").code == 0
    assert _count(cli_db, m.Site, m.Site.name == "new.example.org") == 0
    assert _count(cli_db, m.Host, m.Host.name == "h1.new.example.org") == 0


def test_site_admins_keep_one(mm: Mm, cli_db: CliDb) -> None:
    assert mm("site", "admin", "add", "site-a", "carol", "--as", "alice").code == 0
    r = mm("site", "admin", "add", "site-a", "carol")
    assert r.code == 7 and "already" in r.err
    r = mm("site", "admin", "add", "site-a", "nobody")
    assert r.code == 7 and "No user named 'nobody'" in r.err
    assert mm("site", "admin", "remove", "site-a", "carol", "--as", "alice").code == 0
    r = mm("site", "admin", "remove", "site-a", "alice", "--as", "alice")
    assert r.code == 7 and "no administrator left" in r.err
    assert json.loads(mm("site", "show", "site-a", "--json").out)["admins"] == ["alice"]
    # bob cannot touch site-a's admins at all
    assert mm("site", "admin", "add", "site-a", "bob", "--as", "bob").code == 7


def test_host_add_is_enabled_and_host_commands(mm: Mm, cli_db: CliDb) -> None:
    r = mm("host", "add", "site-a", "new.site-a.example.org", "--country", "de",
           "--bandwidth", "500", "--asn", "64496", "--no-asn-clients",
           "--contact", "ops@site-a.example.org", "--as", "alice")  # fmt: skip
    assert r.code == 0, r.err
    shown = json.loads(mm("host", "show", "new.site-a.example.org", "--json").out)
    assert shown["admin_active"] is True and shown["user_active"] is True
    assert shown["country"] == "DE" and shown["bandwidth_int"] == 500
    assert shown["asn"] == 64496 and shown["asn_clients"] is False
    assert shown["state"]["code"] == "never_crawled" and shown["max_connections"] == 1
    assert shown["state"]["offered"] is False  # as the web page and the API say
    rows = json.loads(mm("host", "list", "--json", "--as", "alice").out)
    assert {h["name"] for h in rows} == {"mirror.site-a.example.org", "new.site-a.example.org"}
    assert mm("host", "list", "--site", "site-b", "--as", "alice").code == 7
    r = mm("host", "edit", "new.site-a.example.org", "--bandwidth", "0", "--as", "alice")
    assert r.code == 7 and "bandwidth_int" in r.err
    r = mm("host", "edit", "new.site-a.example.org", "--country", "Germany")
    assert r.code == 7 and "country" in r.err
    r = mm("host", "edit", "new.site-a.example.org", "--name", "mirror.site-a.example.org")
    assert r.code == 7 and "host of this name" in r.err
    assert mm("host", "edit", "new.site-a.example.org", "--inactive", "--as", "alice").code == 0
    assert [
        h["name"] for h in json.loads(mm("host", "list", "--state", "disabled", "--json").out)
    ] == ["new.site-a.example.org"]
    # the admins' switch
    r = mm("host", "disable", "mirror.site-a.example.org", "--reason", "broken", "--as", "alice")
    assert r.code == 7 and "administrator" in r.err
    assert mm("host", "disable", "mirror.site-a.example.org", "--reason", " ").code == 7
    assert mm("host", "disable", "mirror.site-a.example.org", "--reason", "broken").code == 0
    shown = json.loads(mm("host", "show", "mirror.site-a.example.org", "--json").out)
    assert shown["admin_active"] is False and shown["disable_reason"] == "broken"
    assert mm("host", "enable", "mirror.site-a.example.org", "--as", "root").code == 0
    assert json.loads(mm("host", "show", "mirror.site-a.example.org", "--json").out)["admin_active"]
    # refusals on another site's host look like "not found", as in the UI
    for args in (
        ("host", "show", "mirror.site-b.example.org"),
        ("host", "edit", "mirror.site-b.example.org", "--bandwidth", "5"),
        ("host", "delete", "mirror.site-b.example.org"),
        ("url", "add", "mirror.site-b.example.org", "Fedora EPEL", "https://x.example.org/epel"),
        ("netblock", "add", "mirror.site-b.example.org", "198.51.100.0/24"),
        ("host", "country-allowed", "add", "mirror.site-b.example.org", "FR"),
    ):
        r = mm(*args, "--as", "alice")
        assert r.code == 7 and "no host 'mirror.site-b.example.org'" in r.err, (args, r.err)
    r = mm("host", "delete", "new.site-a.example.org", "--as", "alice")
    assert r.code == 0 and "deleted host new.site-a.example.org" in r.out
    assert _count(cli_db, m.Host, m.Host.name == "new.site-a.example.org") == 0


def test_urls_categories_and_host_lists(mm: Mm, cli_db: CliDb) -> None:
    host = "mirror.site-a.example.org"
    # url add makes the host carry the category
    r = mm("url", "add", host, "Fedora EPEL", "https://mirror.site-a.example.org/pub/epel",
           "--as", "alice")  # fmt: skip
    assert r.code == 0, r.err
    r = mm("url", "add", host, "Fedora EPEL", "https://mirror.site-a.example.org/fedora",
           "--as", "alice")  # fmt: skip
    assert r.code == 7 and "url: The path must end with /epel" in r.err
    r = mm("url", "add", host, "Internal", "https://mirror.site-a.example.org/internal",
           "--as", "alice")  # fmt: skip
    assert r.code == 7 and "Unknown category 'Internal'" in r.err
    r = mm("url", "add", "mirror.site-b.example.org", "Fedora EPEL",
           "https://mirror.site-a.example.org/pub/epel")  # fmt: skip
    assert r.code == 7 and "registered already" in r.err
    shown = json.loads(mm("host", "show", host, "--json").out)
    assert shown["categories"][0]["category"] == "Fedora EPEL"
    assert shown["categories"][0]["urls"] == ["https://mirror.site-a.example.org/pub/epel"]
    # always_up2date is for admins
    r = mm("host", "category", "set", host, "Fedora EPEL", "--always-up2date", "--as", "alice")
    assert r.code == 7 and "always_up2date" in r.err
    assert mm("host", "category", "set", host, "Fedora EPEL", "--always-up2date").code == 0
    assert mm("host", "category", "add", host, "Internal", "--always-up2date").code == 0
    r = mm("host", "category", "add", host, "Internal")
    assert r.code == 7 and "carries this category already" in r.err
    cats = json.loads(mm("host", "show", host, "--json").out)["categories"]
    assert [(c["category"], c["always_up2date"]) for c in cats] == [
        ("Fedora EPEL", True),
        ("Internal", True),
    ]
    assert mm("host", "category", "remove", host, "Internal").code == 0
    r = mm("url", "remove", host, "https://mirror.site-a.example.org/pub/epel", "--as", "alice")
    assert r.code == 0
    assert _count(cli_db, m.HostCategoryUrl) == 0
    assert mm("host", "category", "remove", host, "Fedora EPEL", "--as", "alice").code == 0
    assert _count(cli_db, m.HostCategory) == 0
    # the simple lists
    as_alice = ("--as", "alice")
    assert mm("netblock", "add", host, "192.0.2.0/24", *as_alice).code == 0
    r = mm("netblock", "add", host, "8.0.0.0/8", *as_alice)
    assert r.code == 7 and "only be added by an administrator" in r.err
    r = mm("netblock", "add", host, "192.0.2.1/24", *as_alice)
    assert r.code == 7 and "Host bits are set" in r.err
    assert mm("netblock", "add", host, "8.0.0.0/8").code == 0
    assert mm("host", "country-allowed", "add", host, "de", *as_alice).code == 0
    r = mm("host", "country-allowed", "add", host, "DE", *as_alice)
    assert r.code == 7 and "already" in r.err
    assert mm("host", "acl-ip", "add", host, "192.0.2.10", *as_alice).code == 0
    r = mm("host", "peer-asn", "add", host, "64500", *as_alice)
    assert r.code == 7 and "administrator" in r.err
    assert mm("host", "peer-asn", "add", host, "64500").code == 0
    assert mm("host", "location", "add", host, "fra-ix").code == 0
    assert mm("host", "location", "add", host, "nowhere").code == 7
    shown = json.loads(mm("host", "show", host, "--json").out)
    assert [n["netblock"] for n in shown["netblocks"]] == ["192.0.2.0/24", "8.0.0.0/8"]
    assert [c["country"] for c in shown["countries"]] == ["DE"]
    assert [a["ip"] for a in shown["acl_ips"]] == ["192.0.2.10"]
    assert [p["asn"] for p in shown["peer_asns"]] == [64500]
    assert len(shown["locations"]) == 1
    assert mm("netblock", "remove", host, "192.0.2.0/24", *as_alice).code == 0
    r = mm("netblock", "remove", host, "192.0.2.0/24", *as_alice)
    assert r.code == 7 and "has no netblock" in r.err
    assert mm("host", "country-allowed", "remove", host, "de", *as_alice).code == 0
    assert mm("host", "acl-ip", "remove", host, "192.0.2.10", *as_alice).code == 0
    assert mm("host", "peer-asn", "remove", host, "64500", *as_alice).code == 7
    assert mm("host", "peer-asn", "remove", host, "64500").code == 0
    assert mm("host", "location", "remove", host, "fra-ix").code == 0
    shown = json.loads(mm("host", "show", host, "--json").out)
    assert shown["netblocks"] == [{"id": shown["netblocks"][0]["id"], "netblock": "8.0.0.0/8",
                                   "name": None}]  # fmt: skip
    assert shown["countries"] == shown["acl_ips"] == shown["peer_asns"] == []
    assert shown["locations"] == []


def test_tokens(mm: Mm, cli_db: CliDb) -> None:
    r = mm("token", "create", "alice", "--name", "ansible", "--expires", "30")
    assert r.code == 0 and r.out.startswith("mmt_") and "for alice" in r.err
    r = mm("token", "create", "alice", "--as", "bob")
    assert r.code == 7 and "own user" in r.err
    assert mm("token", "create", "alice", "--expires", "0").code == 7
    assert mm("token", "create", "nobody").code == 7
    listed = json.loads(mm("token", "list", "alice", "--json", "--as", "alice").out)
    assert [t["name"] for t in listed] == ["ansible"] and listed[0]["expires_at"]
    assert mm("token", "list", "alice", "--as", "bob").code == 7
    token_id = str(listed[0]["id"])
    assert mm("token", "revoke", token_id, "--as", "bob").code == 7
    assert mm("token", "revoke", token_id, "--as", "alice").out == f"token {token_id} revoked\n"
    assert "revoked already" in mm("token", "revoke", token_id).out
    assert json.loads(mm("token", "list", "alice", "--json").out)[0]["revoked_at"]


def test_as_unknown_user_is_refused(mm: Mm) -> None:
    r = mm("site", "list", "--as", "nobody")
    assert r.code == 7 and "no active user named 'nobody'" in r.err


def test_host_state_stale_when_the_crawler_found_old_content(mm: Mm, cli_db: CliDb) -> None:
    """The CLI's state is the web pages' and the API's one state (`core.host_state`)."""
    with cli_db.session() as s:
        crawled = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for host in s.scalars(select(m.Host)):
            host.last_crawled = crawled
        host = s.scalars(select(m.Host).where(m.Host.name == "mirror.site-b.example.org")).one()
        category = s.scalars(select(m.Category).where(m.Category.name == "Fedora EPEL")).one()
        hc = m.HostCategory(host_id=host.id, category_id=category.id)
        s.add(hc)
        s.flush()
        s.add(
            m.HostCategoryDir(
                host_category_id=hc.id, directory_id=category.topdir_id, path="", up2date=False
            )
        )
        s.commit()
    stale = json.loads(mm("host", "list", "--state", "stale", "--json").out)
    assert [h["name"] for h in stale] == ["mirror.site-b.example.org"]
    assert stale[0]["state"]["stale"] == [{"category": "Fedora EPEL", "stale": 1, "total": 1}]
    enabled = json.loads(mm("host", "list", "--state", "enabled", "--json").out)
    assert [h["name"] for h in enabled] == ["mirror.site-a.example.org"]
    shown = json.loads(mm("host", "show", "mirror.site-b.example.org", "--json").out)
    assert shown["state"]["code"] == "stale" and shown["state"]["label"] == "stale"
    text = mm("host", "show", "mirror.site-b.example.org").out
    assert "state: stale (offered to clients)" in text or "state: stale (not offered" in text
    assert "stale in Fedora EPEL: 1 of 1" in text
    listed = mm("host", "list").out
    assert "mirror.site-b.example.org\tFR\tstale" in listed
    assert mm("host", "list", "--state", "bogus").code != 0
