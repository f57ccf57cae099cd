"""Schemathesis against /api/v1/openapi.json: generated requests (valid and invalid) get
answers that the document describes, and never a server error."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from mirrormanager.db import models as m
from mirrormanager.web.api_schema import openapi_document
from mirrormanager.web.security import new_api_token
from tests.functional.web.conftest import World


@pytest.fixture
def api_token(web_world: World, db_session: Session) -> str:
    token, token_hash = new_api_token()
    db_session.add(
        m.ApiToken(user_id=web_world.alice.id, name="schemathesis", token_hash=token_hash)
    )
    db_session.commit()
    return token


# The document is static, so it is loaded once; each test points it at its own app.
schema = schemathesis.openapi.from_dict(openapi_document())


def test_served_document_is_the_tested_one(web_app: Flask) -> None:
    assert web_app.test_client().get("/api/v1/openapi.json").get_json() == openapi_document()


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_follows_its_openapi_document(case: Any, web_app: Flask, api_token: str) -> None:
    case.operation.schema.app = web_app
    # Schema-valid input may still break a business rule (a URL must end in the category's
    # top directory, names must be unique): 422/409 answers there are correct, so the
    # "valid data is accepted" check is left out; every other check runs.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}"},
        app=web_app,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_every_api_route_is_in_the_document(web_app: Flask) -> None:
    """So schemathesis (which follows the document) reaches every operation."""
    documented = {
        (method.upper(), path)
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    served = set()
    for rule in web_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = rule.rule.removeprefix("/api/v1")
        path = re.sub(r"<int:(\w+)>", r"{\1}", path)
        path = re.sub(r"<(\w+)>", r"{\1}", path)
        kinds = re.search(r"<any\(([^)]*)\):\w+>", path)
        paths = (
            [path.replace(kinds.group(0), k.strip("'")) for k in kinds.group(1).split(",")]
            if kinds
            else [path]
        )
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                served |= {(method, p) for p in paths}
    assert served == documented
