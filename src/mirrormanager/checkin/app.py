"""The check-in endpoint (the SOP's mm-frontend-checkin01), a small Starlette app.

* ``POST /xmlrpc``: XML-RPC ``checkin(data)`` as MirrorManager2's deployed report_mirror
  sends it; answers a methodResponse string, or an XML-RPC Fault (code 403, 400, 413 or 429
  as in HTTP) that the client prints. Bodies over the limit get HTTP 413 before parsing.
* ``POST /api/checkin``: the same JSON document, not encoded; answers JSON with the
  matching HTTP status (200, 400, 403, 413, 429).
* ``GET /-/health``.

The request body is read up to ``max_bytes`` (``checkin_max_bytes``) and no further. The
protocol itself lives in `checkin/handler.py`, shared with `serve-web`'s ``/xmlrpc``:
decompression up to ``checkin_max_document_bytes``, the password back-off (429 with
Retry-After), all run off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mirrormanager.checkin.handler import Answer, CheckinHandler, parse_xmlrpc_call
from mirrormanager.checkin.payload import MAX_DECOMPRESSED_BYTES, MAX_DIRECTORIES
from mirrormanager.core.clientaddr import client_address
from mirrormanager.db.throttle import ThrottlePolicy

XMLRPC_PATH = "/xmlrpc"
JSON_PATH = "/api/checkin"

__all__ = ["JSON_PATH", "XMLRPC_PATH", "create_app", "parse_xmlrpc_call"]


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


def _response(answer: Answer) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers=answer.headers,
    )


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
    handler = CheckinHandler(
        session_factory,
        max_bytes=max_bytes,
        max_document_bytes=max_document_bytes,
        max_directories=max_directories,
        min_interval=min_interval,
        throttle=throttle,
    )

    def client_of(request: Request) -> str | None:
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.get("x-forwarded-for"), trusted_proxies)

    # The handler runs in a worker thread: XML parsing, decompression and JSON decoding
    # included, so a bomb or a huge document never stalls the loop (and /-/health with it).
    async def xmlrpc_endpoint(request: Request) -> Response:
        try:
            body = await _read_body(request, max_bytes)
        except _BodyTooLarge:
            return Response(handler.too_large(), status_code=413)
        return _response(await run_in_threadpool(handler.xmlrpc, body, client_of(request)))

    async def json_checkin(request: Request) -> Response:
        try:
            body = await _read_body(request, max_bytes)
        except _BodyTooLarge:
            return _response(handler.json_too_large())
        return _response(await run_in_threadpool(handler.json, body, client_of(request)))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(XMLRPC_PATH, xmlrpc_endpoint, methods=["POST"]),
            Route(JSON_PATH, json_checkin, methods=["POST"]),
            Route("/-/health", health, methods=["GET"]),
        ]
    )
