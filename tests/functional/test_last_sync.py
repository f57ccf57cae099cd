"""The `last-sync` report: how old each active mirror's content is, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mirrormanager.cli.reports import report
from mirrormanager.maintenance.last_sync import format_age, last_sync_report
from tests import factories as f

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def ago(hours: float, now: dt.datetime = NOW) -> dt.datetime:
    return now - dt.timedelta(hours=hours)


def epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


def build_network(now: dt.datetime) -> dict[str, int]:
    """Hosts of every kind; returns their ids by role."""
    t = f.tree("41/os", "41/os/repodata", "42/os/repodata", "iso")
    for sub, hours in (("41/os/repodata", 5), ("42/os/repodata", 1)):
        directory = t.dirs[sub]
        f.FileDetailFactory(directory=directory, timestamp=epoch(ago(hours + 24, now)))
        f.FileDetailFactory(directory=directory, timestamp=epoch(ago(hours, now)))
    f.FileDetailFactory(directory=t.dirs["41/os/repodata"], filename="x.xml", timestamp=0)
    # A repomd.xml outside a repodata directory is not a repository's.
    f.FileDetailFactory(directory=t.dirs["iso"], timestamp=epoch(now))

    crawled = f.mirror(t, ["41/os", "41/os/repodata", "iso"], last_crawled=ago(2, now))
    # Stale on the newest repository: current only for the older repomd.xml.
    f.HostCategoryDirFactory(
        host_category_id=crawled.hc.id, directory_id=t.dirs["42/os/repodata"].id, up2date=False
    )
    never = f.mirror(t, ["iso"])
    checked_in = f.mirror(
        t,
        ["41/os/repodata", "42/os/repodata"],
        last_crawled=ago(10, now),
        last_checked_in=ago(0.5, now),
        private=True,
    )
    always = f.mirror(t, always=True, last_crawled=ago(1, now))
    f.mirror(t, ["iso"], user_active=False)
    f.mirror(t, ["iso"], site=f.SiteFactory(admin_active=False))
    return {
        "crawled": crawled.host.id,
        "never": never.host.id,
        "checked_in": checked_in.host.id,
        "always": always.host.id,
    }


def test_report_orders_hosts_oldest_first(db_session: Session) -> None:
    f.bind(db_session)
    ids = build_network(NOW)
    result = last_sync_report(db_session, now=NOW)
    by_id = {h.host_id: h for h in result.hosts}
    assert set(by_id) == set(ids.values())  # inactive hosts and sites are left out
    assert [h.host_id for h in result.hosts] == [
        ids["never"],
        ids["crawled"],
        ids["always"],
        ids["checked_in"],
    ]
    crawled = by_id[ids["crawled"]]
    assert crawled.age_hours(NOW) == 2
    assert (crawled.directories, crawled.up_to_date) == (4, 3)
    assert crawled.newest_repomd == ago(5)
    never = by_id[ids["never"]]
    assert never.age_hours(NOW) is None and never.newest_repomd is None
    checked_in = by_id[ids["checked_in"]]
    assert checked_in.last_seen == ago(0.5) and checked_in.private
    assert checked_in.newest_repomd == ago(1) and checked_in.share_up_to_date == 1
    always = by_id[ids["always"]]
    assert always.always_up2date and always.directories == 0
    assert always.newest_repomd == ago(1)
    assert [h.host_id for h in result.older_than(1.5)] == [ids["never"], ids["crawled"]]
    assert result.older_than(24) == (by_id[ids["never"]],)
    doc = crawled.as_json(NOW)
    assert doc["age_hours"] == 2 and doc["share_up_to_date"] == 0.75
    assert doc["repomd_age_hours"] == 5 and doc["last_checked_in"] is None


def test_format_age() -> None:
    assert [format_age(h) for h in (None, 0.2, 1.5, 49.9)] == ["never", "12m", "1h30m", "2d1h"]


def test_command_table_json_and_max_age(tmp_path: Path, file_db: str) -> None:
    now = dt.datetime.now(dt.UTC)
    engine = create_engine(file_db)
    with Session(engine) as session:
        f.bind(session)
        ids = build_network(now)
        session.commit()
    engine.dispose()
    config = tmp_path / "mm.toml"
    config.write_text(
        f'database_url = "{file_db}"\ndata_dir = "{tmp_path}"\nlog_dir = "{tmp_path / "log"}"\n'
        'log_format = "json"\nlog_level = "WARNING"\n',
        encoding="utf-8",
    )
    table = CliRunner().invoke(report, ["last-sync", "-c", str(config)])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["host", "age", "crawled", "checked", "in", "up", "to", "date",
                                "newest", "repomd.xml"]  # fmt: skip
    assert lines[1].split()[1:4] == ["never", "never", "never"]
    assert "3/4 (75%)" in lines[2] and lines[2].split()[1] == "2h00m"
    assert " always " in lines[3] and "(private)" in lines[4]
    assert lines[-1] == "4 active hosts"

    stale = CliRunner().invoke(
        report, ["last-sync", "-c", str(config), "--json", "--max-age", "1.5"]
    )
    assert stale.exit_code == 1
    doc = json.loads(stale.stdout)
    assert [h["host_id"] for h in doc["hosts"]][:2] == [ids["never"], ids["crawled"]]
    assert doc["max_age_hours"] == 1.5 and len(doc["older_than_max_age"]) == 2
    assert "2 hosts not crawled or checked in for more than 1.5 hours" in stale.stderr

    # Only the host that was never seen is older than a day.
    day = CliRunner().invoke(report, ["last-sync", "-c", str(config), "--max-age", "24"])
    assert day.exit_code == 1 and "1 hosts" in day.stderr
