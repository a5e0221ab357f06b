"""Real answers match the served OpenAPI schema: what the API fuzz (test_fuzz.py) found, one regression each."""

from __future__ import annotations

import json

import pytest

from agents.messaging.services.send import message_send
from agents.models import AgentKind
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, tokens_for
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.openapi import assert_conforms, served_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    return served_schema(client)


@pytest.fixture
def operator():
    return create_user(roles=("operator",))


def test_a_conversation_is_an_object_with_its_messages(schema, operator):
    org = OrganizationFactory()
    alice, bob = AgentFactory(organization=org), AgentFactory(organization=org)
    grant(operator, org, "view")
    message = message_send(organization=org, by=SYSTEM, performative="inform", sender_agent=alice,
                           content={"n": 1}, to=[bob.pk]).message

    response = client_for(operator).get(f"/api/v1/conversations/{message.conversation_id}/")

    assert response.status_code == 200 and response.json()["messages"][0]["id"] == str(message.pk)
    assert_conforms(schema, "GET", "/api/v1/conversations/{id}/", response)


def test_my_sessions_are_a_page(schema, operator):
    tokens_for(operator)
    response = client_for(operator).get("/api/v1/auth/sessions/")
    assert response.status_code == 200 and response.json()["count"] == 2
    assert_conforms(schema, "GET", "/api/v1/auth/sessions/", response)


def test_the_grants_on_an_object_are_a_count_and_results(schema):
    admin = create_user(roles=("administrator",))
    org = OrganizationFactory()
    grant(admin, org, "view")
    response = client_for(admin).get(f"/api/v1/permissions/?object_type=agents.organization&object_id={org.pk}")
    assert response.status_code == 200 and response.json()["count"] == 1
    assert_conforms(schema, "GET", "/api/v1/permissions/", response)


@pytest.mark.parametrize(("method", "path", "url", "body", "status"), [
    ("POST", "/api/v1/agents/", "/api/v1/agents/", {"name": ""}, 400),
    ("GET", "/api/v1/agents/{id}/", "/api/v1/agents/00000000-0000-0000-0000-000000000000/", None, 404),
    ("GET", "/api/v1/agents/", "/api/v1/agents/?page=99", None, 404),
    ("GET", "/api/v1/permissions/", "/api/v1/permissions/?object_type=x&object_id=y", None, 403),
    ("POST", "/api/v1/agents/{id}/pause/", "/api/v1/agents/{agent}/pause/", None, 409),
])
def test_errors_are_declared_with_their_body(schema, operator, method, path, url, body, status):
    org = OrganizationFactory()
    agent = AgentFactory(organization=org)
    grant(operator, org, "view", "change", "operate")
    client = client_for(operator)
    if status == 409:
        assert client.post(url.format(agent=agent.pk)).status_code == 200  # paused; pausing again is a conflict
    url = url.format(agent=agent.pk)
    response = client.generic(method, url, json.dumps(body), content_type="application/json") if body \
        else client.generic(method, url)
    assert response.status_code == status, response.content
    assert_conforms(schema, method, path, response)


def test_an_agent_key_refused_by_a_view_gets_a_declared_401(schema):
    from agents.keys.services import agent_key_create

    external = AgentFactory(kind=AgentKind.EXTERNAL)
    _, raw = agent_key_create(agent=external, by=SYSTEM)
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Agent {raw}")
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert_conforms(schema, "GET", "/api/v1/organizations/", response)


@pytest.mark.parametrize(("path", "name"), [("/api/v1/messages/", "conversation_id"),
                                            ("/api/v1/dead-letters/", "recipient")])
def test_the_hand_made_list_filters_are_declared(schema, path, name):
    """A filter the schema does not name is one no generated client can send, and one no fuzz tries."""
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert parameters[name]["in"] == "query" and parameters[name]["schema"]["format"] == "uuid"
