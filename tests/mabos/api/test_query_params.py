"""Unknown query parameters are refused like unknown body fields: a 400 naming each, in the one error shape."""

from __future__ import annotations

import pytest

from mabos.api.query_params import documented
from tests.support.api import client_for, create_user
from tests.support.openapi import assert_conforms, served_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return client_for(create_user(roles=("operator",)))


def test_an_unknown_query_parameter_is_a_400_naming_it(client, operator):
    response = operator.get("/api/v1/agents/?stauts=paused&colour=red&status=paused")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {"colour", "stauts"}
    assert body["detail"].startswith("Unknown query parameters: colour, stauts.")
    assert "status" in body["detail"]  # it says what the operation takes
    assert_conforms(served_schema(client), "GET", "/api/v1/agents/", response)


def test_documented_parameters_and_format_pass(operator):
    assert operator.get("/api/v1/agents/?status=paused&search=x&ordering=name&page=1&page_size=5").status_code == 200
    assert operator.get("/api/v1/agents/?format=json").status_code == 200
    assert operator.get("/api/v1/conversations/6f1c2b9e-1111-4a4a-9999-000000000000/?organization=x") \
        .json()["fields"] == {"organization": ["Must be a valid UUID."]}  # known, so its value is checked


def test_an_operation_without_query_parameters_refuses_any(operator):
    response = operator.get("/api/v1/auth/me/?verbose=1")
    assert response.status_code == 400 and response.json()["fields"] == {"verbose": ["Unknown query parameter."]}
    assert "This operation takes: none." in response.json()["detail"]


def test_the_table_follows_the_schema():
    assert {"status", "page", "search"} <= documented("GET", "/api/v1/agents/")
    assert documented("HEAD", "/api/v1/agents/") == documented("GET", "/api/v1/agents/")
    assert documented("POST", "/api/v1/organizations/onboard/") == frozenset()  # not organizations/{id}/
    assert documented("GET", "/api/v1/nope/") is None  # not an operation: left to the 404
