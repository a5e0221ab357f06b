"""POST agents/{id}/heartbeat/ with the agent's own key (another agent's key: 404, a person: 403), a stopped or
failed agent's a 409, a bad status or load a 400 naming it, nothing written on any refusal; and an inbox
read with the agent's own key is a heartbeat too, a person's read is not."""

from __future__ import annotations

import pytest

from agents.agent.services.lifecycle import agent_fail, agent_stop
from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import Agent
from agents.supervision.models import AgentSupervision
from tests.support.actors import SYSTEM
from tests.support.api import client_for, fields_of
from tests.support.messaging import send
from tests.support.openapi import assert_conforms, served_schema
from tests.support.supervision import external_with_key, person_for


def url(agent) -> str:
    return f"/api/v1/agents/{agent.pk}/heartbeat/"


def heartbeat_of(agent):
    return Agent.objects.filter(pk=agent.pk).values_list("heartbeat_at", flat=True).get()


def nothing_written(agent) -> None:
    assert heartbeat_of(agent) is None
    assert not AgentSupervision.objects.filter(agent=agent).exclude(reported_status="").exists()


def test_a_heartbeat_with_the_agents_own_key_records_when_and_what_it_said(org):
    agent, client = external_with_key(org)
    response = client.post(url(agent), {"status": "ok", "load": 0.4}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agent"] == str(agent.pk) and body["status"] == "ok" and body["load"] == 0.4
    beat = heartbeat_of(agent)
    assert beat is not None and body["heartbeat_at"].startswith(beat.isoformat()[:19])
    state = AgentSupervision.objects.get(agent=agent)
    assert (state.reported_status, state.reported_load) == ("ok", 0.4)

    empty = client.post(url(agent))  # no body at all: a bare "I am alive"
    assert empty.status_code == 200, empty.content
    assert empty.json()["status"] == "" and empty.json()["load"] is None
    assert heartbeat_of(agent) > beat


def test_a_key_for_another_agent_is_a_404_and_a_person_a_403_nothing_written(org):
    agent, _own = external_with_key(org)
    _other, other_client = external_with_key(org)
    response = other_client.post(url(agent), {"status": "ok"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    person = client_for(person_for(org, "view", "change", "operate"))
    response = person.post(url(agent), {"status": "ok"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client_for(None).post(url(agent)).status_code == 401
    nothing_written(agent)


@pytest.mark.parametrize("halt", [agent_stop, agent_fail], ids=["stopped", "failed"])
def test_a_stopped_or_failed_agents_heartbeat_is_a_409_and_nothing_is_written(org, halt):
    agent, client = external_with_key(org)
    assert client.get(f"/api/v1/agents/{agent.pk}/health/").status_code == 200  # the key cached as it was
    halt(agent=agent, by=SYSTEM)
    response = client.post(url(agent), {"status": "ok"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "agent_inactive", response.content
    nothing_written(agent)


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "Not OK!"}, "status"),
    ({"status": "x" * 40}, "status"),
    ({"status": 7}, "status"),
    ({"load": -1}, "load"),
    ({"load": "heavy"}, "load"),
    ({"load": 1e9}, "load"),
    ({"mood": "fine"}, "mood"),
])
def test_a_bad_status_or_load_is_a_400_naming_it_and_nothing_is_written(org, body, field):
    agent, client = external_with_key(org)
    assert field in fields_of(client.post(url(agent), body, format="json"))
    nothing_written(agent)


def test_an_inbox_read_with_the_agents_own_key_is_a_heartbeat_a_persons_is_not(org, agent):
    runtime, client = external_with_key(org)
    send(agent, to=[runtime.pk])
    delivery_dispatch_due()
    person = client_for(person_for(org, "view"))
    response = person.get(f"/api/v1/agents/{runtime.pk}/inbox/")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert heartbeat_of(runtime) is None
    response = client.get(f"/api/v1/agents/{runtime.pk}/inbox/")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert heartbeat_of(runtime) is not None
    _other, other_client = external_with_key(org)
    Agent.objects.filter(pk=runtime.pk).update(heartbeat_at=None)
    assert other_client.get(f"/api/v1/agents/{runtime.pk}/inbox/").status_code == 404
    assert heartbeat_of(runtime) is None


def test_the_answers_match_the_served_schema(org, client):
    schema = served_schema(client)
    agent, key = external_with_key(org)
    path = "/api/v1/agents/{id}/heartbeat/"
    assert_conforms(schema, "POST", path, key.post(url(agent), {"status": "ok", "load": 1}, format="json"))
    assert_conforms(schema, "POST", path, key.post(url(agent), {"load": -1}, format="json"))
    assert_conforms(schema, "GET", "/api/v1/agents/{id}/health/", key.get(f"/api/v1/agents/{agent.pk}/health/"))
    agent_stop(agent=agent, by=SYSTEM)
    assert_conforms(schema, "POST", path, key.post(url(agent), {}, format="json"))
