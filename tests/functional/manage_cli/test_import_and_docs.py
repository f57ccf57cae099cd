"""`site import` (idempotent, one transaction, --dry-run), the registration script of
docs/cli.md run verbatim in a shell, and `--help` naming every option."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from sqlalchemy import func, select

from mirrormanager.checkin.passwords import verify_site_password
from mirrormanager.cli.main import cli
from mirrormanager.db import models as m
from tests.functional.manage_cli.conftest import ADMIN_GROUP, CliDb, Run

Mm = Callable[..., Run]
ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = """
[[site]]
name = "import.example.org"
org_url = "https://import.example.org"
password = "check-in secret"
admins = ["carol"]

[[site.host]]
name = "m1.import.example.org"
country = "nl"
bandwidth_int = 2000
urls = [{category = "Fedora EPEL", url = "https://m1.import.example.org/pub/epel"}]
netblocks = ["198.51.100.0/24"]
countries_allowed = ["nl"]
acl_ips = ["198.51.100.7"]

[[site.host]]
name = "m2.import.example.org"
country = "BE"
categories = [{category = "Fedora EPEL"}]

[[site]]
name = "site-a"
private = true
"""


def _snapshot(db: CliDb) -> dict[str, int]:
    with db.session() as s:
        return {
            model.__name__: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for model in (m.Site, m.Host, m.HostCategory, m.HostCategoryUrl, m.HostNetblock,
                          m.HostCountryAllowed, m.HostAclIp, m.SiteAdmin, m.AuditLog)
        }  # fmt: skip


def test_import_is_idempotent_and_dry_run_writes_nothing(
    mm: Mm, cli_db: CliDb, tmp_path: Path
) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(DOCUMENT, encoding="utf-8")
    before = _snapshot(cli_db)
    r = mm("site", "import", str(path), "--dry-run")
    assert r.code == 0, r.err
    assert "would create site import.example.org" in r.out
    assert "would add URL https://m1.import.example.org/pub/epel to m1.import.example.org" in r.out
    assert "would update site site-a: private" in r.out
    assert _snapshot(cli_db) == before
    r = mm("site", "import", str(path))
    assert r.code == 0, r.err
    assert r.out.splitlines()[-1] == "9 changes"
    after = _snapshot(cli_db)
    assert after["Site"] == before["Site"] + 1 and after["Host"] == before["Host"] + 2
    shown = json.loads(mm("host", "show", "m1.import.example.org", "--json").out)
    assert shown["admin_active"] is True and shown["country"] == "NL"
    assert shown["bandwidth_int"] == 2000
    assert json.loads(mm("site", "show", "import.example.org", "--json").out)["admins"] == ["carol"]
    # the same file again: nothing to do, nothing written (not even audit rows)
    r = mm("site", "import", str(path))
    assert r.code == 0 and r.out == "0 changes\n", r.out
    assert _snapshot(cli_db) == after
    # the JSON form of a change
    as_json = tmp_path / "sites.json"
    as_json.write_text(
        json.dumps({"site": [{"name": "import.example.org", "host": [
            {"name": "m2.import.example.org", "bandwidth_int": 300}]}]}),
        encoding="utf-8",
    )  # fmt: skip
    r = mm("site", "import", str(as_json))
    assert r.out == "update host m2.import.example.org: bandwidth_int\n1 change\n"


def test_import_is_one_transaction(mm: Mm, cli_db: CliDb, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        DOCUMENT + '\n[[site.host]]\nname = "m3.import.example.org"\ncountry = "Belgium"\n',
        encoding="utf-8",
    )
    before = _snapshot(cli_db)
    r = mm("site", "import", str(path))
    assert r.code == 7
    assert "site site-a: host m3.import.example.org: country: Use a two-letter" in r.err
    assert _snapshot(cli_db) == before
    # a site admin importing into another site is refused the same way
    path.write_text('[[site]]\nname = "site-b"\nprivate = true\n', encoding="utf-8")
    r = mm("site", "import", str(path), "--as", "alice")
    assert r.code == 7 and "no site" in r.err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.toml", "[[site]\n", "does not parse"),
        ("x.json", "{", "does not parse"),
        ("x.yaml", "site: []", "use a .toml or .json file"),
        ("x.json", '{"site": 3}', "expected a list of sites"),
    ],
)
def test_import_refuses_bad_files(
    mm: Mm, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    r = mm("site", "import", str(path))
    assert r.code == 5 and message in r.err


def _doc_script() -> str:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- registration script: tested -->\n```sh\n(.*?)```", text, re.S)
    assert match, "docs/cli.md lost its registration script"
    return match.group(1)


def test_docs_registration_script_runs_verbatim(cli_db: CliDb, tmp_path: Path) -> None:
    """The script of docs/cli.md, in bash, with the real `mirrormanager` program."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "MM_DATABASE_URL": cli_db.url,
        "MM_DATA_DIR": str(tmp_path),
        "MM_LOG_DIR": str(tmp_path / "log"),
        "MM_ADMIN_GROUP": ADMIN_GROUP,
        "MM_LOG_FORMAT": "json",
    }
    script = tmp_path / "register.sh"
    script.write_text("set -euo pipefail\n" + _doc_script(), encoding="utf-8")
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout[done.stdout.index("{") :])
    assert shown["name"] == "mirror1.example.org" and shown["admin_active"] is True
    with cli_db.session() as s:
        site = s.scalars(select(m.Site).where(m.Site.name == "example.org")).one()
        hosts = s.scalars(select(m.Host).where(m.Host.site_id == site.id)).all()
        assert sorted(h.name for h in hosts) == ["mirror1.example.org", "mirror2.example.org"]
        assert all(h.admin_active and h.user_active for h in hosts)
        urls = set(s.scalars(select(m.HostCategoryUrl.url)))
        assert {
            "https://mirror1.example.org/pub/epel",
            "rsync://mirror1.example.org/pub/epel",
            "https://mirror2.example.org/epel",
        } <= urls
        assert s.scalar(select(m.HostNetblock.netblock)) == "192.0.2.0/24"
        audit = set(s.scalars(select(m.AuditLog.username)))
        assert "system" in audit
        assert verify_site_password(site.password, "check-in secret")


def _commands(
    group: click.Group, path: tuple[str, ...]
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


@pytest.mark.parametrize("group", ["site", "host", "url", "netblock", "token"])
def test_every_option_is_in_help(mm: Mm, group: str) -> None:
    top = cli.commands[group]
    assert isinstance(top, click.Group)
    for path, command in _commands(top, (group,)):
        r = mm(*path, "--help")
        assert r.code == 0, path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (path, param.opts)
                for opt in param.opts:
                    assert opt in r.out, (path, opt)
