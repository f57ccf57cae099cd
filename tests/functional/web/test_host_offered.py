"""'Would this host be offered?' on the host page (issue 15 item 3): the answer is the
mirrorlist's own (`mirrormanager explain`), for the host the page is about."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from mirrormanager.formats import snapshot_codec
from mirrormanager.mirrorlist.explain_request import ExplainRequest, explain_request
from mirrormanager.web.security import password_fingerprint
from tests.data import snapshots as data
from tests.functional.web.conftest import World


def test_the_form_gives_the_explain_verdict_for_this_host(
    web_app_factory: Callable[..., Flask], web_world: World, tmp_path: Path
) -> None:
    (tmp_path / "mirrorlist.snapshot").write_bytes(snapshot_codec.encode(data.build()))
    app = web_app_factory(geoip_database="")
    settings = app.config["MM_SETTINGS"]
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["uid"] = web_world.alice.id
        sess["pwf"] = password_fingerprint(web_world.alice.password_hash)
    url = f"/hosts/{web_world.host_a.id}/offered"
    empty = client.get(url).get_data(as_text=True)
    assert "Client address" in empty and "Not offered" not in empty
    query = {"repo": "fedora-41", "arch": "x86_64", "ip": "192.0.2.7"}
    page = client.get(url, query_string=query).get_data(as_text=True)
    expected = explain_request(
        settings, ExplainRequest(repo="fedora-41", arch="x86_64", address="192.0.2.7")
    )
    # On SQLite host_a is id 1, a host of the snapshot; PostgreSQL's sequences may give it
    # an id the snapshot does not have (then: "not in the snapshot").
    verdict = next((v for v in expected.hosts if v.host_id == web_world.host_a.id), None)
    if verdict is None:
        assert "Not offered: not in the snapshot" in page
    elif verdict.offered:
        assert f"by the {verdict.step} step" in page
    else:
        assert f"Not offered: {verdict.detail}" in page
    unknown = client.get(url, query_string={"repo": "nope-1", "arch": "x86_64"})
    assert "the snapshot has no answer for repo &#39;nope-1&#39;" in unknown.get_data(as_text=True)
    both = client.get(url, query_string={"repo": "fedora-41", "path": "pub"})
    assert "give either a repository and an architecture, or a path" in both.get_data(as_text=True)


def test_without_a_snapshot_the_page_says_so(
    web_client: Callable[..., Any], web_world: World
) -> None:
    page = web_client(web_world.alice).get(
        f"/hosts/{web_world.host_a.id}/offered", query_string={"path": "pub/epel"}
    )
    assert page.status_code == 200
    assert "cannot read snapshot" in page.get_data(as_text=True)
