"""The OpenAPI document: valid OpenAPI 3, the JWT scheme, a description on every operation (none of our plumbing's
docstrings), the one error body with its codes, performatives as an enum."""

from __future__ import annotations

import re

import yaml
from openapi_spec_validator import validate

from agents.common.api import ListApi
from mabos.api.exceptions import _DRF_CODES
from mabos.api.schema import ERROR_CODES
from mabos.api.serializers import InputSerializer
from tests.support.openapi import served_schema
from tests.support.processes import REPO


def test_schema_is_valid_openapi_3_with_jwt(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if "json" in response["Content-Type"] else yaml.safe_load(response.content)
    validate(schema)
    assert schema["openapi"].startswith("3.")
    scheme = schema["components"]["securitySchemes"]["jwtAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer" and scheme["bearerFormat"] == "JWT"
    assert "/api/v1/auth/token/" in schema["paths"] and "/api/v1/auth/sessions/{id}/" in schema["paths"]
    assert schema["paths"]["/api/v1/auth/me/"]["get"]["security"][0] == {"jwtAuth": []}
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security") in (None, [], [{}])


def test_swagger_ui_is_served_without_authentication(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200 and b"swagger" in response.content.lower()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_its_own_description_and_no_plumbing_docstring_leaks(client):
    schema = served_schema(client)
    plumbing = {" ".join(cls.__doc__.split()) for cls in (ListApi, InputSerializer)}
    missing = [name for name, operation in _operations(schema) if not operation.get("description")]
    assert missing == []
    leaked = [name for name, operation in _operations(schema) if " ".join(operation["description"].split()) in plumbing]
    leaked += [name for name, component in schema["components"]["schemas"].items()
               if " ".join(component.get("description", "").split()) in plumbing]
    assert leaked == []


def test_the_error_body_is_one_component_on_every_error_response_and_lists_its_codes(client):
    schema = served_schema(client)
    error = schema["components"]["schemas"]["Error"]
    for code in ("invalid", "wrong_auth_scheme", "sender_inactive", "not_found", "throttled"):
        assert f"`{code}`" in error["properties"]["code"]["description"]
    for name, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, \
                    (name, status)
    assert "`invalid`" in schema["paths"]["/api/v1/agents/"]["get"]["responses"]["400"]["description"]


def test_every_error_code_raised_in_the_source_is_documented():
    """The codes are found in the source as the raisers write them (``code="…"``, ``code = "…"``, a
    TokenRefused's second argument, ``error_body("…"``); a new one fails here until ERROR_CODES lists it."""
    documented = {code for codes in ERROR_CODES.values() for code in codes}
    #: Codes of one field's message inside ``fields`` (the body's code is then ``invalid``), and base defaults.
    field_level = {"unknown", "unstorable", "password_too_long", "error"}
    pattern = re.compile(r"""code ?= ?"([a-z_]+)"|error_body\("([a-z_]+)"|Refused\([^)]*, "([a-z_]+)"\)""")
    found = set()
    for folder in ("accounts", "agents", "auditlog", "mabos", "config"):
        for path in (REPO / folder).rglob("*.py"):
            for match in pattern.finditer(path.read_text()):
                found.add(next(group for group in match.groups() if group))
    found |= set(_DRF_CODES.values())
    assert sorted(found - field_level - documented) == []


def test_performatives_are_an_enum(client):
    schema = served_schema(client)
    enum = schema["components"]["schemas"]["PerformativeEnum"]["enum"]
    assert {"inform", "request", "cfp", "query-if"} <= set(enum)
    performative = schema["components"]["schemas"]["MessageInputRequest"]["properties"]["performative"]
    assert performative["allOf"] == [{"$ref": "#/components/schemas/PerformativeEnum"}]
