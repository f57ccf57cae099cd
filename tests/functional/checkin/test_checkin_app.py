"""The check-in endpoint in-process (Starlette AppClient) against a real database."""

from __future__ import annotations

import asyncio
import base64
import bz2
import datetime as dt
import pickle
import xmlrpc.client
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.checkin.app import create_app
from mirrormanager.checkin.passwords import hash_site_password, is_hashed
from mirrormanager.checkin.payload import encode_xmlrpc_argument
from mirrormanager.db.models import Host, HostCategory, HostCategoryDir
from tests import factories


class _Shared:
    """Hands the test's session to the app; the app's close() must not end the test."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self) -> Session:
        return self.session


@pytest.fixture
def world(db_session: Session) -> dict[str, Any]:
    tree = factories.tree(
        "9", "9/Everything", "9/Everything/x86_64", "10", top="pub/epel", name="Fedora EPEL"
    )
    category, dirs = tree.category, {"": tree.top, **tree.dirs}
    site = factories.SiteFactory(name="Example Site", password=hash_site_password("s3cret"))
    host = factories.HostFactory(site=site, name="private.example.org", private=True)
    hc = factories.HostCategoryFactory(host=host, category=category)
    # A row for a directory the mirror no longer reports: the check-in deletes it.
    db_session.add(HostCategoryDir(host_category_id=hc.id, directory_id=dirs["10"].id, path="10"))
    public = factories.HostFactory(site=site, name="public.example.org", private=False)
    db_session.commit()
    return {"host": host, "hc": hc, "dirs": dirs, "public": public, "site": site}


class AppClient:
    """Synchronous calls into the ASGI app through httpx.ASGITransport (no sockets)."""

    def __init__(self, app: Any) -> None:
        self.transport = httpx.ASGITransport(app=app)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=self.transport, base_url="http://testserver"
            ) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(call())

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)


@pytest.fixture
def client(db_session: Session) -> AppClient:
    db_session.close = lambda: None  # type: ignore[method-assign]
    app = create_app(
        _Shared(db_session), max_bytes=64 << 10, max_document_bytes=1 << 20, min_interval=60
    )
    return AppClient(app)


def document(password: str = "s3cret", host: str = "private.example.org") -> dict[str, Any]:
    return {
        "version": 0,
        "global": {"enabled": "1", "server": "http://testserver/xmlrpc"},
        "site": {"enabled": "1", "name": "Example Site", "password": password},
        "host": {"enabled": "1", "name": host},
        "stats": {},
        "fedora epel": {
            "enabled": "1",
            "dirtree": {"": {}, "9": {}, "9/Everything": {}, "9/Everything/x86_64/": {}, "x": {}},
        },
        "fedora linux": {"enabled": "1", "dirtree": {"": {}}},  # not carried: ignored
    }


def xmlrpc_call(client: AppClient, data: str) -> Any:
    body = xmlrpc.client.dumps((data,), "checkin")
    response = client.post("/xmlrpc", content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200, response.text
    (reply,), _ = xmlrpc.client.loads(response.content)
    return reply


def paths(session: Session, hc: HostCategory) -> dict[str, bool]:
    session.expire_all()
    rows = session.execute(
        select(HostCategoryDir.path, HostCategoryDir.up2date).where(
            HostCategoryDir.host_category_id == hc.id
        )
    ).all()
    return dict(rows)


def test_xmlrpc_checkin_updates_the_hosts_directories(
    client: AppClient, db_session: Session, world: dict[str, Any]
) -> None:
    reply = xmlrpc_call(client, encode_xmlrpc_argument(document()))
    assert "Category Fedora EPEL directories updated: 0  added: 4  deleted 1" in reply
    assert reply.endswith("checked in successful")
    assert paths(db_session, world["hc"]) == {
        "": True,
        "9": True,
        "9/Everything": True,
        "9/Everything/x86_64": True,
    }
    host = db_session.get(Host, world["host"].id)
    assert host is not None and host.last_checked_in is not None


def test_json_endpoint_and_rate_limit(
    client: AppClient, db_session: Session, world: dict[str, Any]
) -> None:
    first = client.post("/api/checkin", json=document())
    assert first.status_code == 200 and first.json()["ok"] is True
    again = client.post("/api/checkin", json=document())
    assert again.status_code == 429
    world["host"].last_checked_in = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    db_session.commit()
    assert client.post("/api/checkin", json=document()).status_code == 200


@pytest.mark.parametrize(
    ("doc", "status", "message"),
    [
        (document(password="wrong"), 403, "site name or password incorrect"),
        (document(host="nobody.example.org"), 403, "is not a host of site"),
        (document(host="public.example.org"), 403, "Only private mirrors"),
        ({"version": 0, "site": {}, "host": {"name": "h"}}, 400, "[site] name"),
    ],
)
def test_refusals_change_nothing(
    client: AppClient,
    db_session: Session,
    world: dict[str, Any],
    doc: dict[str, Any],
    status: int,
    message: str,
) -> None:
    before = paths(db_session, world["hc"])
    response = client.post("/api/checkin", json=doc)
    assert response.status_code == status
    assert message in response.json()["error"]
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc_call(client, encode_xmlrpc_argument(doc))
    assert fault.value.faultCode == status and message in fault.value.faultString
    assert paths(db_session, world["hc"]) == before
    host = db_session.get(Host, world["host"].id)
    assert host is not None and host.last_checked_in is None


def test_oversized_malformed_and_pickle_payloads(
    client: AppClient, db_session: Session, world: dict[str, Any]
) -> None:
    huge = "x" * (100 << 10)
    assert client.post("/api/checkin", content=huge).status_code == 413
    assert client.post("/xmlrpc", content=huge).status_code == 413
    assert client.post("/xmlrpc", content=b"<not-xml").status_code == 400
    assert client.post("/api/checkin", content=b"{broken").status_code == 400
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall/>'
    assert client.post("/xmlrpc", content=entity).status_code == 400
    pickled = base64.urlsafe_b64encode(bz2.compress(pickle.dumps(document()))).decode()
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc_call(client, pickled)
    assert fault.value.faultCode == 400 and "pickle" in fault.value.faultString
    bomb = base64.urlsafe_b64encode(bz2.compress(b" " * (50 << 20))).decode()
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc_call(client, bomb)
    assert fault.value.faultCode == 413
    assert paths(db_session, world["hc"]) == {"10": True}
    assert client.get("/-/health").json() == {"ok": True}


def test_a_plaintext_password_from_mirrormanager2_is_upgraded(
    client: AppClient, db_session: Session, world: dict[str, Any]
) -> None:
    world["site"].password = "s3cret"  # as imported from MirrorManager2
    db_session.commit()
    assert client.post("/api/checkin", json=document()).status_code == 200
    db_session.expire_all()
    assert is_hashed(world["site"].password)
