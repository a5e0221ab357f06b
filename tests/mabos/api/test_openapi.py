"""The OpenAPI document is valid OpenAPI 3 and documents the JWT scheme."""

from __future__ import annotations

import yaml
from openapi_spec_validator import validate


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
