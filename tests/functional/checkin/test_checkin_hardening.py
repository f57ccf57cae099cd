"""Hostile check-ins: password guessing, site-name probing, deep JSON, decoding on the loop."""

from __future__ import annotations

import base64
import bz2
import threading
import xmlrpc.client
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.checkin import handler as checkin_handler
from mirrormanager.checkin import passwords
from mirrormanager.checkin.app import create_app
from mirrormanager.db.models import AuditLog, AuthThrottle
from mirrormanager.db.throttle import ThrottlePolicy
from tests.functional.checkin.test_checkin_app import (
    AppClient,
    _Shared,
    document,
    xmlrpc_call,
)
from tests.functional.checkin.test_checkin_app import world as world

POLICY = ThrottlePolicy(free_failures=3, base_seconds=60.0, max_seconds=600.0)


class CountingHasher:
    """The argon2 hasher of check-in passwords, counting verifications."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.verified = 0

    def verify(self, stored: str, offered: str) -> bool:
        self.verified += 1
        return bool(self.real.verify(stored, offered))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(passwords._HASHER)
    monkeypatch.setattr(passwords, "_HASHER", counting)
    return counting


@pytest.fixture
def client(db_session: Session) -> AppClient:
    db_session.close = lambda: None  # type: ignore[method-assign]
    app = create_app(_Shared(db_session), max_bytes=1 << 20, min_interval=0, throttle=POLICY)
    return AppClient(app)


def test_wrong_passwords_back_off_before_hashing(
    client: AppClient, db_session: Session, world: dict[str, Any], hasher: CountingHasher
) -> None:
    for _ in range(3):
        r = client.post("/api/checkin", json=document(password="guess"))
        assert r.status_code == 403
    assert hasher.verified == 3
    r = client.post("/api/checkin", json=document())  # even the right one waits
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert f"try again in {r.headers['Retry-After']} s" in r.json()["error"]
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc_call(client, checkin_encode(document()))
    assert fault.value.faultCode == 429
    assert hasher.verified == 3
    summaries = db_session.scalars(
        select(AuditLog.summary).where(AuditLog.action == "lockout")
    ).all()
    assert any("checkin-site 'Example Site'" in s for s in summaries)


def test_a_good_check_in_resets_the_site(
    client: AppClient, db_session: Session, world: dict[str, Any]
) -> None:
    for _ in range(2):
        assert client.post("/api/checkin", json=document(password="guess")).status_code == 403
    assert client.post("/api/checkin", json=document()).status_code == 200
    db_session.expire_all()
    scopes = db_session.scalars(select(AuthThrottle.scope)).all()
    assert scopes == ["checkin-addr"]


def test_an_unknown_site_costs_the_same_hash(
    client: AppClient, world: dict[str, Any], hasher: CountingHasher
) -> None:
    doc = document()
    doc["site"]["name"] = "No Such Site"
    r = client.post("/api/checkin", json=doc)
    assert r.status_code == 403 and "site name or password incorrect" in r.json()["error"]
    assert hasher.verified == 1


def test_a_plaintext_password_costs_the_same_hash(
    client: AppClient, db_session: Session, world: dict[str, Any], hasher: CountingHasher
) -> None:
    world["site"].password = "s3cret"  # as imported from MirrorManager2
    db_session.commit()
    assert client.post("/api/checkin", json=document(password="guess")).status_code == 403
    assert hasher.verified == 1


def checkin_encode(doc: Any) -> str:
    from mirrormanager.checkin.payload import encode_xmlrpc_argument

    return encode_xmlrpc_argument(doc)


@pytest.mark.parametrize("deep", [b"[" * 100_000, b'{"a":' * 100_000])
def test_deep_json_is_a_clear_400(client: AppClient, world: dict[str, Any], deep: bytes) -> None:
    r = client.post("/api/checkin", content=deep)
    assert r.status_code == 400 and "nested more than" in r.json()["error"]
    data = base64.urlsafe_b64encode(bz2.compress(deep)).decode()
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc_call(client, data)
    assert fault.value.faultCode == 400 and "nested more than" in fault.value.faultString


def test_decoding_runs_off_the_event_loop(
    client: AppClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []

    def spy(function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            return function(*args, **kwargs)

        return wrapper

    for name in ("parse_xmlrpc_call", "decode_xmlrpc_argument", "parse_json_document"):
        monkeypatch.setattr(checkin_handler, name, spy(getattr(checkin_handler, name)))
    xmlrpc_call(client, checkin_encode(document()))
    client.post("/api/checkin", json=document())
    assert len(threads) == 3
    assert threading.main_thread().name not in threads


def test_without_a_client_address_only_the_site_is_counted(
    db_session: Session, world: dict[str, Any]
) -> None:
    from mirrormanager.checkin.payload import validate
    from mirrormanager.checkin.service import CheckinRefused, apply_checkin

    report = validate(document(password="guess"))
    with pytest.raises(CheckinRefused):
        apply_checkin(db_session, report, policy=POLICY)
    db_session.expire_all()
    assert db_session.scalars(select(AuthThrottle.scope)).all() == ["checkin-site"]
