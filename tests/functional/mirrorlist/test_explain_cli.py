"""`mirrormanager explain` on a real snapshot file, with no database reachable."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from mirrormanager.cli.main import cli
from mirrormanager.errors import FormatError, InputError
from mirrormanager.formats import snapshot_codec
from mirrormanager.mirrorlist.geoip import NoGeoIP
from mirrormanager.mirrorlist.handlers import Handler
from mirrormanager.mirrorlist.state import default_decoder, load
from tests.data import snapshots as data


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "mirrorlist.snapshot").write_bytes(snapshot_codec.encode(data.build()))
    return {
        "MM_DATA_DIR": str(tmp_path),
        "MM_LOG_DIR": str(tmp_path),
        # nothing listens there: explain must not need a database
        "MM_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "MM_GEOIP_DATABASE": "",
        "MM_EMBARGOED_COUNTRIES": "CU",
    }


def invoke(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["explain", *args], env=env)


def test_text_names_every_host_and_matches_the_server(env: dict[str, str], tmp_path: Path) -> None:
    args = ["--repo", "fedora-41", "--arch", "x86_64", "--ip", "192.0.2.7", "--seed", "3"]
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# repo = fedora-41 arch = x86_64 Using preferred netblock")
    assert "offered by the netblock step" in lines[3] and "mirror5.de" in lines[3]
    assert len([line for line in lines if "(id " in line]) == len(data.HOSTS)
    assert any("mirror9.ca" in line and "countries allowed" in line for line in lines)
    explained = [int(line.split("(id ")[1].split(",")[0]) for line in lines if "offered by" in line]
    # the server's answer for the same request, client and seed: the same hosts, in order
    loaded = load(
        tmp_path / "mirrorlist.snapshot", minimum=5, embargoed=("CU",), decoder=default_decoder
    )
    params = {"repo": "fedora-41", "arch": "x86_64"}
    response, _entry = Handler(NoGeoIP(), random.Random(3)).answer(
        loaded, "mirrorlist", params, "192.0.2.7", 0.0
    )
    by_url = {u.url: u.host_id for u in data.URLS.values()}
    served = [
        next(host for url, host in by_url.items() if line.startswith(url))
        for line in response.body.decode().splitlines()[1:]
    ]
    assert served == explained and served[0] == 5


def test_json(env: dict[str, str]) -> None:
    result = invoke(env, "--path", data.ISO_DIR + "/Fedora-41.iso", "--country", "US", "--json")
    assert result.exit_code == 0, result.output
    plain = json.loads(result.stdout)
    assert plain["request"].startswith("path = ") and plain["client_country"] == "US"
    offered = [h for h in plain["hosts"] if h["offered"]]
    assert offered[0]["country"] == "US" and offered[0]["step"] == "country"
    assert {h["reason"] for h in plain["hosts"] if not h["offered"]} <= {
        "private",
        "country_not_allowed",
        "not_needed",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "fedora-41"], "give either --repo and --arch, or --path"),
        (["--repo", "r", "--arch", "a", "--path", "p"], "give either --repo and --arch"),
        (["--repo", "nope", "--arch", "x86_64"], "no answer for repo 'nope' arch 'x86_64'"),
        (["--path", "pub/../x"], "invalid path"),
        (["--path", data.ISO_DIR, "--ip", "bogus"], "--ip 'bogus' is not an IP address"),
        (["--path", data.ISO_DIR, "--protocol", "gopher"], "names none of"),
    ],
)
def test_bad_input_is_one_clear_line(env: dict[str, str], args: list[str], message: str) -> None:
    result = invoke(env, *args)
    assert isinstance(result.exception, InputError)  # run_cli: one line, exit code 7
    assert message in str(result.exception)


def test_missing_snapshot_is_a_format_error(env: dict[str, str], tmp_path: Path) -> None:
    result = invoke(env, "--path", data.ISO_DIR, "--snapshot", str(tmp_path / "absent"))
    assert isinstance(result.exception, FormatError)
    assert "cannot read snapshot" in str(result.exception)
