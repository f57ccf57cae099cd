"""The check-in endpoint (the SOP's mm-frontend-checkin01), a small Starlette app.

* ``POST /xmlrpc``: XML-RPC ``checkin(data)`` as MirrorManager2's deployed report_mirror
  sends it; answers a methodResponse string, or an XML-RPC Fault (code 403, 400, 413 or 429
  as in HTTP) that the client prints. Bodies over the limit get HTTP 413 before parsing.
* ``POST /api/checkin``: the same JSON document, not encoded; answers JSON with the
  matching HTTP status (200, 400, 403, 413, 429).
* ``GET /-/health``.

The request body is read up to ``max_bytes`` (``checkin_max_bytes``) and no further; it
is decompressed up to ``max_document_bytes`` (``checkin_max_document_bytes``), off the
event loop. Wrong site passwords are throttled per site and client address (429 with
Retry-After, `db/throttle.py`); XML-RPC faults carry the same Retry-After header.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

import defusedxml.ElementTree as SafeET
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mirrormanager.checkin.payload import (
    MAX_DECOMPRESSED_BYTES,
    MAX_DIRECTORIES,
    PayloadTooLarge,
    decode_xmlrpc_argument,
    parse_json_document,
    validate,
)
from mirrormanager.checkin.service import CheckinRefused, apply_checkin
from mirrormanager.core.clientaddr import client_address
from mirrormanager.db.throttle import ThrottlePolicy
from mirrormanager.errors import FormatError
from mirrormanager.logging import get_logger

log = get_logger(__name__)
XMLRPC_PATH = "/xmlrpc"
JSON_PATH = "/api/checkin"


class _BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def parse_xmlrpc_call(body: bytes) -> tuple[str, list[str]]:
    """methodName and string params of a methodCall; DTDs and entities are refused."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises several unrelated exception types
        raise FormatError(f"not an XML-RPC call: {type(exc).__name__}") from None
    if root.tag != "methodCall":
        raise FormatError("not an XML-RPC call")
    method = (root.findtext("methodName") or "").strip()
    params = []
    for value in root.iterfind("params/param/value"):
        string = value.find("string")
        params.append(string.text or "" if string is not None else (value.text or ""))
    return method, params


def create_app(
    session_factory: Callable[[], Session],
    *,
    max_bytes: int = 10 << 20,
    max_document_bytes: int = MAX_DECOMPRESSED_BYTES,
    max_directories: int = MAX_DIRECTORIES,
    min_interval: float = 60.0,
    throttle: ThrottlePolicy | None = None,
    trusted_proxies: tuple[str, ...] = (),
) -> Starlette:
    """The ASGI app; ``session_factory`` gives a new session per request."""

    def process(document_of: Callable[[], dict[str, Any]], client: str) -> str:
        # Runs in a worker thread: decompression and JSON parsing included, so a bomb
        # or a huge document never stalls the event loop (and /-/health with it).
        report = validate(document_of(), max_directories=max_directories)
        session = session_factory()
        try:
            result = apply_checkin(
                session, report, min_interval=min_interval, client=client, policy=throttle
            )
        finally:
            session.close()
        log.info("check-in", site=report.site, host=report.host, host_id=result.host_id)
        return result.message()

    async def handle(
        request: Request, document_of: Callable[[], dict[str, Any]]
    ) -> tuple[int, str, dict[str, str]]:
        peer = request.client.host if request.client else None
        client = client_address(peer, request.headers.get("x-forwarded-for"), trusted_proxies)
        try:
            return 200, await run_in_threadpool(process, document_of, client), {}
        except PayloadTooLarge as exc:
            return 413, exc.message, {}
        except FormatError as exc:
            return 400, exc.message, {}
        except CheckinRefused as exc:
            log.warning("check-in refused", reason=exc.message, client=client)
            retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
            return exc.status, exc.message, retry
        except SQLAlchemyError as exc:
            log.error("check-in failed", error=str(exc))
            return 503, "error checking in: database unavailable", {}

    async def xmlrpc_endpoint(request: Request) -> Response:
        try:
            body = await _read_body(request, max_bytes)
        except _BodyTooLarge:
            return Response(f"request larger than {max_bytes} bytes", status_code=413)
        try:
            method, params = await run_in_threadpool(parse_xmlrpc_call, body)
        except FormatError as exc:
            return Response(exc.message, status_code=400)
        headers: dict[str, str] = {}
        if method != "checkin" or len(params) != 1:
            status, message = 400, f"unknown method {method!r}; only checkin(data) exists"
        else:
            status, message, headers = await handle(
                request,
                lambda: decode_xmlrpc_argument(params[0], max_decompressed=max_document_bytes),
            )
        if status == 200:
            payload = xmlrpc.client.dumps((message,), methodresponse=True)
        else:
            payload = xmlrpc.client.dumps(xmlrpc.client.Fault(status, message))
        return Response(payload, media_type="text/xml", headers=headers)

    async def json_checkin(request: Request) -> Response:
        try:
            body = await _read_body(request, max_bytes)
        except _BodyTooLarge:
            return JSONResponse(
                {"ok": False, "error": f"request larger than {max_bytes} bytes"}, 413
            )
        status, message, headers = await handle(request, lambda: parse_json_document(body))
        key = "message" if status == 200 else "error"
        return JSONResponse({"ok": status == 200, key: message}, status, headers=headers)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(XMLRPC_PATH, xmlrpc_endpoint, methods=["POST"]),
            Route(JSON_PATH, json_checkin, methods=["POST"]),
            Route("/-/health", health, methods=["GET"]),
        ]
    )
