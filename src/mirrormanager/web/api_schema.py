"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json).

Every operation of `web/views/api.py` and `api_manage.py` is here; schemathesis checks the
running API against this document (tests/functional/web/test_api_schema.py).
"""

from __future__ import annotations

from typing import Any

from mirrormanager.web.api_schema_checks import check_paths

_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_ERROR = {"$ref": "#/components/schemas/Error"}
_OBJECT = {"type": "object"}
_SECURED: list[dict[str, list[str]]] = [{"token": []}]
ITEM_KINDS = ("netblocks", "peer-asns", "countries", "acl-ips", "locations")


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


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _op(
    summary: str,
    *,
    params: tuple[str, ...] = (),
    body: dict[str, Any] | None = None,
    ok: tuple[int, dict[str, Any] | None, str] = (200, _OBJECT, "Done"),
    errors: tuple[int, ...] = (401, 404),
    extra_params: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    """One authenticated operation; `params` are integer path ids."""
    code, schema, description = ok
    answer = {"description": description} if schema is None else _json(schema, description)
    op: dict[str, Any] = {
        "summary": summary,
        "security": _SECURED,
        "responses": {str(code): answer, **_errors(*errors)},
    }
    parameters = [*(_path_id(p) for p in params), *extra_params]
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


_CHANGE = (400, 401, 403, 404, 409, 422)
_CREATE_CHANGE = (400, 401, 403, 409, 422)

HOST_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        # Checked by the server (surrounding blanks are stripped, letters upper-cased), so
        # the document states no pattern that a padded " de" would violate.
        "country": {"type": "string", "description": "two-letter ISO code, e.g. DE"},
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
        "admin_active": {**_BOOL, "description": "admins only; default true (enabled)"},
        "disable_reason": {"type": ["string", "null"], "description": "admins only"},
    },
}
SITE_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "org_url": {"type": ["string", "null"], "maxLength": 1024},
        "password": {
            "type": ["string", "null"],
            "maxLength": 255,
            "description": "check-in password, 8+ characters; empty or null keeps the old one",
        },
        "private": _BOOL,
        "user_active": _BOOL,
        "admin_active": {**_BOOL, "description": "admins only; default true"},
        "downstream_comments": {"type": ["string", "null"], "maxLength": 4000},
    },
}
ITEM_INPUTS: dict[str, dict[str, Any]] = {
    "netblocks": {
        "properties": {"netblock": {**_STR, "maxLength": 64}, "name": {"type": ["string", "null"]}},
        "required": ["netblock"],
    },
    "peer-asns": {
        "properties": {
            "asn": {"type": "integer", "minimum": 1, "maximum": 4294967295},
            "name": {"type": ["string", "null"]},
        },
        "required": ["asn"],
    },
    "countries": {"properties": {"country": {**_STR, "maxLength": 2}}, "required": ["country"]},
    "acl-ips": {"properties": {"ip": {**_STR, "maxLength": 64}}, "required": ["ip"]},
    "locations": {"properties": {"location_id": _ID}, "required": ["location_id"]},
}


def _schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "properties": {"error": _STR, "detail": _STR, "kind": _STR, "field": _STR},
            "required": ["error"],
        },
        "HostInput": HOST_INPUT,
        "SiteInput": SITE_INPUT,
        "Host": {
            "type": "object",
            "properties": {
                "id": _INT,
                "name": _STR,
                "site": _STR,
                "country": _STR,
                "categories": {"type": "array", "items": _OBJECT},
                "state": {
                    "type": "object",
                    "description": "The host's one state (the web UI's badge): code, label, "
                    "detail, offered, stale categories",
                },
            },
            "required": ["id", "name", "site", "country", "categories"],
        },
        "Site": {
            "type": "object",
            "properties": {
                "id": _INT,
                "name": _STR,
                "hosts": {"type": "array", "items": _OBJECT},
                "admins": {"type": "array", "items": _STR},
            },
            "required": ["id", "name", "hosts", "admins"],
        },
        "UrlInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"category": _STR, "url": _STR, "private": _BOOL},
            "required": ["category", "url"],
        },
        "CategoryInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "category": _STR,
                "always_up2date": {**_BOOL, "description": "admins only"},
            },
            "required": ["category"],
        },
        "TokenInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {**_STR, "minLength": 1, "maxLength": 100},
                "expires_days": {"type": ["integer", "null"], "minimum": 1, "maximum": 3650},
            },
            "required": ["name"],
        },
    }


def _mirrors() -> dict[str, Any]:
    page = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
    return {
        "get": {
            "summary": "Public, active mirrors with their public URLs",
            "parameters": [
                {"name": "page", "in": "query", "schema": page},
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
                            "mirrors": {"type": "array", "items": _ref("Host")},
                        },
                    },
                    "A page of mirrors",
                ),
                **_errors(400),
            },
        }
    }


def _item_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for kind in ITEM_KINDS:
        body = {"type": "object", "additionalProperties": False, **ITEM_INPUTS[kind]}
        admin = " (admins only)" if kind in ("peer-asns", "locations") else ""
        paths[f"/hosts/{{host_id}}/{kind}"] = {
            "get": _op(f"The host's {kind}", params=("host_id",)),
            "post": _op(
                f"Add to the host's {kind}{admin}",
                params=("host_id",),
                body=body,
                ok=(201, _OBJECT, "Added"),
                errors=_CHANGE,
            ),
        }
        paths[f"/hosts/{{host_id}}/{kind}/{{item_id}}"] = {
            "delete": _op(
                f"Remove one of the host's {kind}{admin}",
                params=("host_id", "item_id"),
                ok=(204, None, "Removed"),
                errors=(401, 403, 404),
            )
        }
    return paths


def openapi_document() -> dict[str, Any]:
    host = ("host_id",)
    site = ("site_id",)
    return {
        "openapi": "3.1.0",
        "info": {"title": "MirrorManager API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from your account page or `token create`",
                }
            },
            "schemas": _schemas(),
        },
        "paths": {
            **check_paths(_errors, _json),
            "/mirrors": _mirrors(),
            "/sites": {
                "get": _op("The caller's sites (all for an admin)", errors=(401,)),
                "post": _op(
                    "Create a site; the caller becomes its admin",
                    body={**_ref("SiteInput")},
                    ok=(201, _ref("Site"), "Created"),
                    errors=_CREATE_CHANGE,
                ),
            },
            "/sites/{site_id}": {
                "get": _op(
                    "One of the caller's sites", params=site, ok=(200, _ref("Site"), "Site")
                ),
                "patch": _op("Change a site", params=site, body=_ref("SiteInput"), errors=_CHANGE),
                "delete": _op(
                    "Delete a site with its hosts", params=site, ok=(204, None, "Deleted")
                ),
            },
            "/sites/{site_id}/admins": {
                "post": _op(
                    "Make a user an admin of the site",
                    params=site,
                    body={
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"username": {**_STR, "minLength": 1, "maxLength": 100}},
                        "required": ["username"],
                    },
                    ok=(201, _ref("Site"), "Added"),
                    errors=_CHANGE,
                )
            },
            "/sites/{site_id}/admins/{username}": {
                "delete": _op(
                    "Remove an admin of the site (not the last one)",
                    params=site,
                    extra_params=(
                        {
                            "name": "username",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                        },
                    ),
                    ok=(204, None, "Removed"),
                    errors=(401, 404, 409, 422),
                )
            },
            "/hosts": {
                "get": _op(
                    "The caller's hosts",
                    ok=(
                        200,
                        {"type": "object", "properties": {"hosts": {"type": "array"}}},
                        "Hosts",
                    ),
                    errors=(400, 401),
                    extra_params=({"name": "site_id", "in": "query", "schema": _ID},),
                )
            },
            "/hosts/{host_id}": {
                "get": _op(
                    "One of the caller's hosts", params=host, ok=(200, _ref("Host"), "Host")
                ),
                "patch": _op(
                    "Change one of the caller's hosts",
                    params=host,
                    body=_ref("HostInput"),
                    ok=(200, _ref("Host"), "The changed host"),
                    errors=_CHANGE,
                ),
                "delete": _op(
                    "Delete a host with its categories, URLs and netblocks",
                    params=host,
                    ok=(204, None, "Deleted"),
                ),
            },
            "/sites/{site_id}/hosts": {
                "post": _op(
                    "Add a host to one of the caller's sites (enabled unless said otherwise)",
                    params=site,
                    body=_ref("HostInput"),
                    ok=(201, _ref("Host"), "Created"),
                    errors=_CHANGE,
                )
            },
            "/hosts/{host_id}/urls": {
                "post": _op(
                    "Add a category URL (the host then carries the category)",
                    params=host,
                    body=_ref("UrlInput"),
                    ok=(201, _OBJECT, "Created"),
                    errors=_CHANGE,
                )
            },
            "/urls/{url_id}": {
                "delete": _op(
                    "Remove a URL of one of the caller's hosts",
                    params=("url_id",),
                    ok=(204, None, "Deleted"),
                )
            },
            "/hosts/{host_id}/categories": {
                "post": _op(
                    "The host carries a category",
                    params=host,
                    body=_ref("CategoryInput"),
                    ok=(201, _OBJECT, "Added"),
                    errors=_CHANGE,
                )
            },
            "/host-categories/{hc_id}": {
                "patch": _op(
                    "Set always_up2date (admins only)",
                    params=("hc_id",),
                    body={
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"always_up2date": _BOOL},
                    },
                    errors=_CHANGE,
                ),
                "delete": _op(
                    "Stop carrying a category (its URLs go too)",
                    params=("hc_id",),
                    ok=(204, None, "Removed"),
                ),
            },
            **_item_paths(),
            "/tokens": {
                "get": _op("The caller's API tokens", errors=(401,)),
                "post": _op(
                    "A new token for the caller (shown once)",
                    body=_ref("TokenInput"),
                    ok=(201, _OBJECT, "Created"),
                    errors=(400, 401, 422),
                ),
            },
            "/tokens/{token_id}": {
                "delete": _op(
                    "Revoke one of the caller's tokens",
                    params=("token_id",),
                    ok=(204, None, "Revoked"),
                )
            },
        },
    }
