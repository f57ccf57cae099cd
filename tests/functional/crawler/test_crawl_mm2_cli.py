"""`mm2_crawler` in MirrorManager2's shape (group options + `crawl`/`propagation`), through
the installed alias's entry function, against a file database and real HTTP mirrors on
loopback. The command lines are the ones deployed with MirrorManager2, verbatim apart from
the settings file's path."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mirrormanager.cli.crawl import crawl_command
from mirrormanager.cli.crawl_mm2 import global_deadline, mm2_crawler, pick_command
from mirrormanager.crawler.mm2_selection import (
    ContinentFilter,
    fraction_slice,
    parse_continents,
)
from mirrormanager.db.models import (
    Category,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    PropagationStat,
    Site,
)
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.errors import ConfigError
from tests.functional.crawler.test_crawl_cli import setup  # noqa: F401 - a fixture
from tests.integration.mirror_servers import free_port, http_server, raw_server, silent

# Hosts of the small network: name → (country, serves the mirror tree?)
NETWORK = {
    "de.mirror.local": ("DE", True),
    "us.mirror.local": ("US", True),
    "jp.mirror.local": ("JP", True),
    "dead.mirror.local": ("FR", False),
}


def add_network(
    file_db: str, port: int, dead_port: int, mirror: Path, *, with_linux: bool = False
) -> dict[str, int]:
    """The hosts, each under its own path of the one HTTP server (URLs are unique); all
    carry Fedora EPEL, and Fedora Linux too ``with_linux``."""
    engine = make_engine(file_db)
    ids = {}
    with make_session_factory(engine)() as session:
        category = session.scalars(select(Category).where(Category.name == "Fedora EPEL")).one()
        fedora = None
        if with_linux:
            fedora = session.scalars(select(Category).where(Category.name == "Fedora Linux")).one()
        for name, (country, alive) in NETWORK.items():
            site = Site(name=f"site of {name}")
            host = Host(site=site, name=name, country=country, max_connections=2)
            hc = HostCategory(host=host, category=category)
            short = name.split(".")[0]
            link = mirror / short
            if not link.exists():
                link.mkdir()
                (link / "epel").symlink_to(mirror / "pub" / "epel")
            base = f"http://127.0.0.1:{port if alive else dead_port}/{short}/epel"
            url = HostCategoryUrl(host_category=hc, url=base)
            session.add_all([site, host, hc, url])
            if fedora is not None:
                if not (link / "fedora").exists():
                    (link / "fedora").symlink_to(mirror / "pub" / "fedora")
                linux = HostCategory(host=host, category=fedora)
                linux_url = f"http://127.0.0.1:{port if alive else dead_port}/{short}/fedora/linux"
                session.add_all([linux, HostCategoryUrl(host_category=linux, url=linux_url)])
            session.flush()
            ids[name] = host.id
        session.commit()
    engine.dispose()
    return ids


def run_alias(line: str, config: Path | None = None) -> tuple[int, str]:
    """Run a cron line's `mm2_crawler …` in a new process through the alias's entry function
    (``config`` is given as $MM_CONFIG, for lines written without -c)."""
    argv = shlex.split(line)
    assert Path(argv[0]).name in ("mm2_crawler", "mm2_crawler.py")
    entry = "import sys; from mirrormanager.cli.aliases import crawler; crawler()"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MM_")}
    if config is not None:
        env["MM_CONFIG"] = str(config)
    done = subprocess.run(
        [sys.executable, "-c", entry, *argv[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr


def crawled(file_db: str) -> set[str]:
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        names = set(session.scalars(select(Host.name).where(Host.last_crawled.is_not(None))))
    engine.dispose()
    return names


def reset_crawled(file_db: str) -> None:
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        for host in session.scalars(select(Host)):
            host.last_crawled = None
        session.commit()
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "shape"),
    [
        ([], "flat"),
        (["--startid", "0", "--stopid", "3000"], "flat"),
        (["--shard", "1/2", "mirror.example.org"], "flat"),
        (["crawl"], "mm2"),
        (["-c", "crawl"], "flat"),  # "crawl" is the value of -c here, not the subcommand
        (["--threads", "75", "--fraction", "1:2", "crawl", "--repodata"], "mm2"),
        (["--category=Fedora EPEL", "propagation", "--product", "Fedora"], "mm2"),
        (["--continent", "EU", "--continent", "^NA", "--no-fail", "crawl"], "mm2"),
    ],
)
def test_the_alias_picks_the_shape(args: list[str], shape: str) -> None:
    expected = mm2_crawler if shape == "mm2" else crawl_command
    assert pick_command(args) is expected


def test_fraction_slices_as_mirrormanager2() -> None:
    ids = [9, 3, 5, 1, 7]
    assert fraction_slice(ids, 1, 1) == [1, 3, 5, 7, 9]
    assert fraction_slice(ids, 1, 2) == [1, 3]
    assert fraction_slice(ids, 2, 2) == [5, 7, 9]  # the last part takes the remainder
    assert fraction_slice(ids, 2, 3) == [3]
    assert fraction_slice(ids, 3, 3) == [5, 7, 9]
    parts = [fraction_slice(ids, p, 3) for p in (1, 2, 3)]
    assert sorted(i for part in parts for i in part) == sorted(ids)
    assert fraction_slice([], 1, 2) == []


def test_continent_filter() -> None:
    assert parse_continents([]) == ContinentFilter()
    only_eu = parse_continents(["eu"])
    assert only_eu.allows("EU") and not only_eu.allows("NA")
    not_na = parse_continents(["^NA"])
    assert not_na.allows("EU") and not not_na.allows("NA") and not_na.allows("")
    unknown = parse_continents(["--"])
    assert unknown.allows("") and not unknown.allows("EU")
    with pytest.raises(ConfigError, match="Unknown continent XX"):
        parse_continents(["XX"])


def test_deployed_lines_crawl_the_network_once(
    setup: tuple[Path, Path],  # noqa: F811
    file_db: str,
) -> None:
    config, mirror = setup
    dead = free_port()  # nothing listens: refused at once
    with http_server(mirror) as port:
        ids = add_network(file_db, port, dead, mirror)
        # MirrorManager2's own documentation (utility/mirrormanager.cron), old flat shape.
        code, out = run_alias(f"/usr/bin/mm2_crawler.py -c {config} --threads 75")
        assert code == 0, out  # a failed mirror is recorded, not a failed run
        assert crawled(file_db) == set(NETWORK)
        reset_crawled(file_db)

        # The SOP's two crawler machines (0:00/12:00 and 2:00/14:00) in MirrorManager2's
        # deployed shape: each takes its half of the sorted host ids.
        first, second = (
            f"mm2_crawler -c {config} --threads 20 --global-timeout 120 --host-timeout 1 "
            f"--fraction {part}:2 --disable-fedmsg --no-fail crawl"
            for part in (1, 2)
        )
        code, out = run_alias(first)
        assert code == 0, out  # --no-fail: 0 although a mirror failed
        first_half = crawled(file_db)
        code, out = run_alias(second)
        assert code == 0, out
        everything = crawled(file_db)
    ordered = sorted(ids, key=ids.__getitem__)
    assert first_half == set(ordered[:2])
    assert everything == set(NETWORK)


def test_continents_include_disabled_and_repodata(
    setup: tuple[Path, Path],  # noqa: F811
    file_db: str,
) -> None:
    config, mirror = setup
    dead = free_port()  # nothing listens: refused at once
    with http_server(mirror) as port:
        ids = add_network(file_db, port, dead, mirror)
        engine = make_engine(file_db)
        with make_session_factory(engine)() as session:
            us = session.get(Host, ids["us.mirror.local"])
            assert us is not None
            us.user_active = False  # its admin switched it off
            session.commit()
        engine.dispose()
        line = f"mm2_crawler -c {config} --continent NA --continent AS crawl --repodata"
        code, out = run_alias(line)
        assert code == 0, out
        assert crawled(file_db) == {"jp.mirror.local"}
        code, out = run_alias(
            f"mm2_crawler -c {config} --include-disabled --continent ^EU --continent ^AS crawl"
        )
        assert code == 0, out
        assert crawled(file_db) == {"jp.mirror.local", "us.mirror.local"}

        code, out = run_alias(f"mm2_crawler -c {config} --continent XX crawl")
        assert code != 0 and "Unknown continent XX" in out
        code, out = run_alias(f"mm2_crawler -c {config} --fraction 1:2 --startid 3 crawl")
        assert code == 2 and "Cannot use --fraction with --startid or --stopid" in out


def test_canary_checks_answers_only(
    setup: tuple[Path, Path],  # noqa: F811
    file_db: str,
) -> None:
    config, mirror = setup
    void = mirror.parent / "void"
    void.mkdir()
    with http_server(mirror) as port, http_server(void) as empty:
        ids = add_network(file_db, port, empty, mirror)  # "dead" answers 404 for everything
        engine = make_engine(file_db)
        with make_session_factory(engine)() as session:
            # The dead host held one current directory from an earlier crawl.
            dead_hc = session.scalars(
                select(HostCategory).where(HostCategory.host_id == ids["dead.mirror.local"])
            ).one()
            directory_id = session.scalars(
                select(Category.topdir_id).where(Category.id == dead_hc.category_id)
            ).one()
            session.add(
                HostCategoryDir(
                    host_category_id=dead_hc.id, directory_id=directory_id, path="", up2date=True
                )
            )
            session.commit()
        engine.dispose()
        code, out = run_alias(f"mm2_crawler -c {config} crawl --canary")
    assert code == 0, out
    assert "4 hosts asked, 3 answered, 1 silent (1 directories marked not up to date)" in out
    assert "dead.mirror.local: no answer" in out
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        # Nothing was compared: no host got directory rows or a crawl time.
        assert (
            session.scalar(
                select(func.count()).select_from(HostCategoryDir).where(HostCategoryDir.up2date)
            )
            == 0
        )
        assert session.scalar(select(func.count()).select_from(HostCategoryDir)) == 1
        dead_host = session.get(Host, ids["dead.mirror.local"])
        assert dead_host is not None
        assert dead_host.crawl_failures == 0 and dead_host.user_active  # never disabled
        assert (dead_host.last_crawl_error or "").startswith("canary: ")
    engine.dispose()
    assert crawled(file_db) == set()


def test_propagation_subcommand(
    setup: tuple[Path, Path],  # noqa: F811
    file_db: str,
) -> None:
    config, mirror = setup
    dead = free_port()  # nothing listens: refused at once
    with http_server(mirror) as port:
        add_network(file_db, port, dead, mirror)
        code, out = run_alias(
            f"mm2_crawler -c {config} --category 'Fedora EPEL' --host-timeout 1 propagation "
            "--product EPEL --version 9"
        )
        assert code == 0, out
        assert "4 hosts asked, 3 answered" in out
        code, out = run_alias(f"mm2_crawler -c {config} propagation --version 9")
        assert code == 2 and "if you select a version, you must select a product." in out
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(PropagationStat)) > 0
    engine.dispose()
    assert crawled(file_db) == set()


def test_global_deadline_stops_a_crawl_and_keeps_the_process(
    setup: tuple[Path, Path],  # noqa: F811
    file_db: str,
) -> None:
    from mirrormanager.cli.crawl import crawl_options
    from mirrormanager.crawler.plan import HostSelection
    from mirrormanager.crawler.service import crawl
    from mirrormanager.settings import load_settings

    config, mirror = setup
    settings = load_settings(config).settings
    with raw_server(silent) as dead:
        add_network(file_db, dead, dead, mirror)  # every mirror accepts and never answers
        engine = make_engine(file_db)
        # The deadline must fall inside the crawl, not in planning: mirrors never answer and
        # the read timeout (30 s) is far away, so 5 s is inside it even on a loaded machine.
        with make_session_factory(engine)() as session, global_deadline(5) as deadline:
            summary = crawl(session, HostSelection(), crawl_options(settings))
        engine.dispose()
    assert deadline.is_set()
    assert summary.interrupted
    assert crawled(file_db) == set()


DOC_LINE = re.compile(r"^(mm-crawler0\d|propagation):\s+(mm2_crawler .*)$")


def test_the_scheduling_lines_of_our_docs_run_verbatim(
    setup: tuple[Path, Path],  # noqa: F811
    file_db: str,
) -> None:
    """The SOP's two crawler machines and the propagation job, as docs/crawler.md writes
    them (both shapes), with the settings file from $MM_CONFIG."""
    docs = Path(__file__).parents[3] / "docs" / "crawler.md"
    lines = [m.group(2) for m in map(DOC_LINE.match, docs.read_text().splitlines()) if m]
    assert len(lines) == 5, lines
    config, mirror = setup
    dead = free_port()
    with http_server(mirror) as port:
        add_network(file_db, port, dead, mirror, with_linux=True)
        for line in lines:
            reset_crawled(file_db)
            code, out = run_alias(line, config)
            assert code == 0, f"{line}\n{out}"
            if "propagation" in line:
                assert "4 hosts asked, 3 answered" in out, out
                assert crawled(file_db) == set()
            elif "--startid 350" in line:
                assert crawled(file_db) == set(), out  # the network's ids are all below 350
            else:
                assert crawled(file_db), out
    engine = make_engine(file_db)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(PropagationStat)) > 0
    engine.dispose()


def test_help_shows_both_shapes() -> None:
    code, out = run_alias("mm2_crawler --help")
    assert code == 0, out
    assert "[HOST]..." in out and "--shard" in out  # the flat form
    assert "COMMAND [ARGS]..." in out and "--fraction" in out and "--continent" in out
    code, out = run_alias("mm2_crawler crawl --help")
    assert code == 0 and "--canary" in out and "--repodata" in out
