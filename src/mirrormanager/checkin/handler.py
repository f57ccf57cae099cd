"""The check-in protocol without a transport: bytes of a request in, status and bytes out.

Both `serve-checkin` (Starlette, `checkin/app.py`) and `serve-web` (Flask, its `/xmlrpc`
route, where MirrorManager2 serves check-ins and every deployed report_mirror.conf points)
call the same `CheckinHandler`, so the limits and answers are the same on both: the
decompressed size (``max_document_bytes``), JSON depth, directory count, and the back-off
of wrong site passwords per site and client address (429 with a Retry-After header). The
transports only cap how many body bytes they read (`max_bytes`), tell it the client's
address, and run it off their event loop.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mirrormanager.checkin.payload import (
    MAX_DECOMPRESSED_BYTES,
    MAX_DIRECTORIES,
    PayloadTooLarge,
    decode_xmlrpc_argument,
    parse_json_document,
    validate,
)
from mirrormanager.checkin.service import CheckinRefused, apply_checkin
from mirrormanager.db.throttle import ThrottlePolicy
from mirrormanager.errors import FormatError
from mirrormanager.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int  # HTTP status
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)  # Retry-After on 429


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


class CheckinHandler:
    """Decodes, validates and applies one check-in; ``session_factory`` gives a new session
    per call. Blocking (database work): async transports run it in a thread."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        max_bytes: int = 10 << 20,
        max_document_bytes: int = MAX_DECOMPRESSED_BYTES,
        max_directories: int = MAX_DIRECTORIES,
        min_interval: float = 60.0,
        throttle: ThrottlePolicy | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.max_bytes = max_bytes
        self.max_directories = max_directories
        self.min_interval = min_interval
        self.max_decompressed = max_document_bytes
        self.throttle = throttle

    def too_large(self) -> str:
        return f"request larger than {self.max_bytes} bytes"

    def _process(self, document: dict[str, Any], client: str | None) -> str:
        report = validate(document, max_directories=self.max_directories)
        session = self.session_factory()
        try:
            result = apply_checkin(
                session,
                report,
                min_interval=self.min_interval,
                client=client,
                policy=self.throttle,
            )
        finally:
            session.close()
        log.info("check-in", site=report.site, host=report.host, host_id=result.host_id)
        return result.message()

    def _handle(
        self, document_of: Callable[[], dict[str, Any]], client: str | None
    ) -> tuple[int, str, dict[str, str]]:
        try:
            return 200, self._process(document_of(), client), {}
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

    def xmlrpc(self, body: bytes, client: str | None = None) -> Answer:
        """An XML-RPC ``checkin(data)`` call: a methodResponse string, or a Fault whose code
        is the HTTP status the JSON endpoint would give (the client prints it). ``client``
        is the caller's address, for throttling wrong passwords per address."""
        try:
            method, params = parse_xmlrpc_call(body)
        except FormatError as exc:
            return Answer(400, exc.message.encode(), "text/plain")
        headers: dict[str, str] = {}
        if method != "checkin" or len(params) != 1:
            status, message = 400, f"unknown method {method!r}; only checkin(data) exists"
        else:
            status, message, headers = self._handle(
                lambda: decode_xmlrpc_argument(params[0], max_decompressed=self.max_decompressed),
                client,
            )
        if status == 200:
            payload = xmlrpc.client.dumps((message,), methodresponse=True)
        else:
            payload = xmlrpc.client.dumps(xmlrpc.client.Fault(status, message))
        return Answer(200, payload.encode(), "text/xml", headers)

    def json(self, body: bytes, client: str | None = None) -> Answer:
        """The same document as plain JSON; answers JSON with the matching HTTP status."""
        status, message, headers = self._handle(lambda: parse_json_document(body), client)
        key = "message" if status == 200 else "error"
        document = _json({"ok": status == 200, key: message})
        return Answer(status, document, "application/json", headers)

    def json_too_large(self) -> Answer:
        return Answer(413, _json({"ok": False, "error": self.too_large()}), "application/json")


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()
