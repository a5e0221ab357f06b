"""Check one real response against the OpenAPI document the app serves, as a generated client would read it."""

from __future__ import annotations

from typing import Any

from openapi_schema_validator import OAS30Validator

SCHEMA_URL = "/api/schema/"


def served_schema(client: Any) -> dict[str, Any]:
    response = client.get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def assert_conforms(schema: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The status is declared for ``method path`` and the JSON body matches its schema."""
    responses = schema["paths"][path][method.lower()]["responses"]
    declared = responses.get(str(response.status_code))
    assert declared is not None, (f"{method} {path} answered {response.status_code}; the schema declares only "
                                  f"{sorted(responses)}")
    body_schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if response.status_code == 204:
        return
    assert body_schema is not None, f"{method} {path} {response.status_code}: the schema gives no body"
    OAS30Validator({**body_schema, "components": schema["components"]}).validate(response.json())
