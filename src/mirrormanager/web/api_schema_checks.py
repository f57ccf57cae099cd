"""OpenAPI paths of "Check now" (`views/api_checks.py`), merged into `api_schema`."""

from __future__ import annotations

from typing import Any

_CHECK: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"enum": ["queued", "running", "ok", "failed"]},
        "queued_at": {"type": "string", "description": "UTC, ISO 8601"},
        "finished_at": {"type": ["string", "null"], "description": "UTC, ISO 8601"},
        "requested_by": {"type": ["string", "null"]},
        "result": {"type": ["string", "null"], "description": "the crawler's host status"},
        "reason": {"type": ["string", "null"]},
        "stale_dirs": {"type": ["integer", "null"]},
        "reenabled": {"type": "boolean", "description": "the check enabled the host again"},
        "disabled": {"type": "boolean", "description": "the check's failure disabled it"},
        "urls": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "category": {"type": "string"},
                    "url": {"type": "string"},
                    "result": {"enum": ["ok", "failed", "not tried"]},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}


def check_paths(errors: Any, json: Any) -> dict[str, Any]:
    host_id = {
        "name": "host_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }
    secured: list[dict[str, list[str]]] = [{"token": []}]
    return {
        "/hosts/{host_id}/check": {
            "post": {
                "summary": "Check now: crawl one of the caller's hosts in the background",
                "description": "One check at a time per host, at most one every "
                "web_check_min_interval seconds (429 otherwise). Poll .../checks.",
                "security": secured,
                "parameters": [host_id],
                "responses": {
                    "202": json(
                        {
                            **_CHECK,
                            "properties": {**_CHECK["properties"], "poll": {"type": "string"}},
                        },
                        "Queued",
                    ),
                    "429": json(
                        {"$ref": "#/components/schemas/Error"},
                        "A check is running, or the last was too recent",
                    ),
                    **errors(401, 404),
                },
            }
        },
        "/hosts/{host_id}/checks": {
            "get": {
                "summary": "The host's last five checks, newest first, with results per URL",
                "security": secured,
                "parameters": [host_id],
                "responses": {
                    "200": json(
                        {
                            "type": "object",
                            "properties": {"checks": {"type": "array", "items": _CHECK}},
                        },
                        "The checks",
                    ),
                    **errors(401, 404),
                },
            }
        },
    }
