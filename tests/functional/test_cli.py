"""The command line as an operator uses it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mirrormanager.demo.tree import build_demo_tree

BIN = Path(sys.executable).parent


def run(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    program: str | None = None,
) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / program)] if program else [sys.executable, "-m", "mirrormanager"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MM_")}
    full_env.update(env or {})
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    master = tmp_path / "master"
    build_demo_tree(master)
    path = tmp_path / "mm.toml"
    path.write_text(
        f'data_dir = "{tmp_path}"\nlog_dir = "{tmp_path / "log"}"\n'
        f'master_prefix = "{master}"\nlog_format = "json"\n',
        encoding="utf-8",
    )
    return path


def test_config_show_masks_secrets(config: Path) -> None:
    result = run(
        "config",
        "show",
        "--config",
        str(config),
        env={
            "MM_DATABASE_URL": "postgresql+psycopg://mm:hunter2@db/mm",
            "MM_SECRET_KEY": "topsecret",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout and "topsecret" not in result.stdout
    assert (
        "database_url = postgresql+psycopg://mm:****@db/mm    # $MM_DATABASE_URL" in result.stdout
    )
    assert f"master_prefix = {config.parent / 'master'}    # {config}" in result.stdout


def test_bad_config_is_one_line_naming_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("short_filelist_keep = 'x'\n", encoding="utf-8")
    result = run("config", "show", "--config", str(bad))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "short_filelist_keep" in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_umdl_requires_a_migrated_database(config: Path) -> None:
    result = run("umdl", "--config", str(config))
    assert result.returncode == 3
    assert "mirrormanager db upgrade" in result.stderr


def test_upgrade_then_scan_then_rescan(config: Path) -> None:
    assert run("db", "upgrade", "--config", str(config)).returncode == 0
    check = run("db", "check", "--config", str(config))
    assert check.returncode == 0, check.stderr
    first = run("umdl", "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert "Fedora Linux:" in first.stdout and "new repositories" in first.stdout
    # structured logs on stderr when not on a terminal
    assert '"event": "category scanned"' in first.stderr
    alias = run(
        "--config",
        str(config),
        "--category",
        "Fedora EPEL",
        program="mm2_update-master-directory-list",
    )
    assert alias.returncode == 0, alias.stderr
    assert "Fedora EPEL:" in alias.stdout and "Fedora Linux:" not in alias.stdout


def test_unknown_category_is_refused_before_any_work(config: Path) -> None:
    run("db", "upgrade", "--config", str(config))
    result = run("umdl", "--config", str(config), "--category", "Fedora Nonsense")
    assert result.returncode == 2
    assert "unknown category 'Fedora Nonsense'" in result.stderr


def test_umdl_refuses_while_another_holds_the_lock(config: Path, tmp_path: Path) -> None:
    run("db", "upgrade", "--config", str(config))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from mirrormanager.db.session import make_engine\n"
            "from mirrormanager.db.locks import job_lock\n"
            f"engine = make_engine('sqlite:///{tmp_path / 'mirrormanager.sqlite'}')\n"
            "with job_lock(engine, 'umdl'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = run("umdl", "--config", str(config))
        assert result.returncode == 4
        assert "another master tree scan (umdl) is running" in result.stderr
        assert f"pid {holder.pid}" in result.stderr
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


@pytest.mark.parametrize(
    "program",
    [
        "mm2_update-master-directory-list",
        "mm2_move-devel-to-release",
        "mm2_move-to-archive",
        "mm2_update-mirrorlist-server",
        "mm2_crawler",
        "mm2_emergency-expire-repo",
        "report_mirror",
    ],
)
def test_sop_commands_exist(program: str) -> None:
    result = run("--help", program=program)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_demo_builds_scans_and_reports(tmp_path: Path) -> None:
    result = run("demo", "--dir", str(tmp_path / "demo"), "--no-serve", "--mirror-port", "0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Repositories (prefix, arch -> directory):" in out
    assert "fedora-41" in out and "updates-testing-f41" in out and "testing-epel9" in out
    assert "Fedora: 38, 40, 41, 42, development" in out
    assert "EPEL: 7, 9, 10.1" in out
    # the mirrors are marked current by a real crawl of the local mirror server
    assert "demo mirror network crawled over HTTP: 9 of 9 hosts current" in out
    assert "9 hosts, 460 directories" in out
    again = run("demo", "--dir", str(tmp_path / "demo"), "--no-serve", "--mirror-port", "0")
    assert again.returncode == 0, again.stderr
    assert "0 new repositories" in again.stdout


def test_umdl_with_a_missing_master_tree_exits_6(config: Path, tmp_path: Path) -> None:
    assert run("db", "upgrade", "--config", str(config)).returncode == 0
    gone = tmp_path / "not-mounted"
    result = run("umdl", "--config", str(config), env={"MM_MASTER_PREFIX": str(gone)})
    assert result.returncode == 6, result.stderr
    assert "is missing" in result.stderr and str(gone) in result.stderr
