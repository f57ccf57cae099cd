"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from mirrormanager.web.api_schema_checks import check_paths

_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad request",
        401: "No valid token",
        403: "Not allowed",
        404: "Not found (or not yours)",
        409: "Conflict",
        422: "Invalid fields",
        429: "Too many bad tokens from this address; retry after Retry-After seconds",
    }
    if 401 in codes:  # every token check may be throttled
        codes = (*codes, 429)
    return {str(code): _json(_ERROR, text[code]) for code in codes}


HOST_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        "bandwidth_int": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
        "max_connections": {"type": "integer", "minimum": 1, "maximum": 1000},
        "private": _BOOL,
        "internet2": _BOOL,
        "internet2_clients": _BOOL,
        "asn": {"type": ["integer", "null"], "minimum": 1, "maximum": 4294967295},
        "asn_clients": _BOOL,
        "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "robot_email": {"type": ["string", "null"], "maxLength": 255},
        "comment": {"type": ["string", "null"], "maxLength": 4000},
        "user_active": _BOOL,
        "admin_active": {**_BOOL, "description": "admins only"},
        "disable_reason": {"type": ["string", "null"], "description": "admins only"},
    },
}


def openapi_document() -> dict[str, Any]:
    host_id = {"name": "host_id", "in": "path", "required": True, "schema": _ID}
    secured: list[dict[str, list[str]]] = [{"token": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "MirrorManager API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from your account page",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": _STR, "detail": _STR},
                    "required": ["error"],
                },
                "HostInput": HOST_INPUT,
                "Host": {
                    "type": "object",
                    "properties": {
                        "id": _INT,
                        "name": _STR,
                        "site": _STR,
                        "country": _STR,
                        "categories": {"type": "array", "items": {"type": "object"}},
                        "state": {
                            "type": "object",
                            "description": "The host's one state (web UI's badge): code, "
                            "label, detail, offered, stale categories",
                        },
                    },
                    "required": ["id", "name", "site", "country", "categories"],
                },
                "UrlInput": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"category": _STR, "url": _STR, "private": _BOOL},
                    "required": ["category", "url"],
                },
            },
        },
        "paths": {
            **check_paths(host_id, secured, _errors, _json),
            "/mirrors": {
                "get": {
                    "summary": "Public, active mirrors with their public URLs",
                    "parameters": [
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                        {"name": "country", "in": "query", "schema": _STR},
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "page": _INT,
                                    "per_page": _INT,
                                    "mirrors": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Host"},
                                    },
                                },
                            },
                            "A page of mirrors",
                        ),
                        **_errors(400),
                    },
                }
            },
            "/hosts": {
                "get": {
                    "summary": "The caller's hosts",
                    "security": secured,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "hosts": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Host"},
                                    }
                                },
                            },
                            "Hosts",
                        ),
                        **_errors(401),
                    },
                }
            },
            "/hosts/{host_id}": {
                "get": {
                    "summary": "One of the caller's hosts",
                    "security": secured,
                    "parameters": [host_id],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Host"}, "The host"),
                        **_errors(401, 404),
                    },
                },
                "patch": {
                    "summary": "Change one of the caller's hosts",
                    "security": secured,
                    "parameters": [host_id],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/HostInput"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Host"}, "The changed host"),
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                },
            },
            "/sites/{site_id}/hosts": {
                "post": {
                    "summary": "Add a host to one of the caller's sites",
                    "security": secured,
                    "parameters": [
                        {"name": "site_id", "in": "path", "required": True, "schema": _ID}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/HostInput"}
                            }
                        },
                    },
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/Host"}, "Created"),
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                }
            },
            "/hosts/{host_id}/urls": {
                "post": {
                    "summary": "Add a category URL to one of the caller's hosts",
                    "security": secured,
                    "parameters": [host_id],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/UrlInput"}
                            }
                        },
                    },
                    "responses": {
                        "201": _json({"type": "object"}, "Created"),
                        **_errors(400, 401, 404, 409, 422),
                    },
                }
            },
            "/urls/{url_id}": {
                "delete": {
                    "summary": "Remove a URL of one of the caller's hosts",
                    "security": secured,
                    "parameters": [
                        {"name": "url_id", "in": "path", "required": True, "schema": _ID}
                    ],
                    "responses": {"204": {"description": "Deleted"}, **_errors(401, 404)},
                }
            },
        },
    }
