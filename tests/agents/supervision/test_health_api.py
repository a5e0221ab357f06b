"""GET agents/{id}/health/: who may read it (people who may view the agent, its own key), what it says of an
external agent (its heartbeats and what it reported, stale past the policy's timeout while active), of an
internal one (its runtime's heartbeat from the cycle, pending events), and of one the check restarted."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.agent.services.groups import group_create, membership_add
from agents.models import Agent, AgentRuntime, AgentStatus
from agents.supervision.models import SupervisionEvent
from agents.supervision.services.check import supervision_check
from agents.supervision.services.policies import policy_create
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.reasoning import World, run_cycles
from tests.support.supervision import external_with_key, person_for

pytestmark = pytest.mark.django_db


def url(agent) -> str:
    return f"/api/v1/agents/{agent.pk}/health/"


def health(client, agent) -> dict:
    response = client.get(url(agent))
    assert response.status_code == 200, response.content
    return response.json()


def test_an_agent_key_reads_its_own_health_and_a_person_who_may_view_it(org):
    agent, client = external_with_key(org)
    _other, other_client = external_with_key(org)
    body = health(client, agent)
    assert body["kind"] == "external" and body["status"] == "active" and body["policy"] is None
    assert body["heartbeat_at"] is None and body["heartbeat_age_seconds"] is None and body["stale"] is False
    assert body["runtime"] is None and body["pending"] == {"events": 0, "deliveries": 0} and body["events"] == []
    assert health(client_for(person_for(org, "view")), agent)["agent"] == str(agent.pk)
    for refused in (other_client, client_for(create_user(roles=("operator",)))):
        response = refused.get(url(agent))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    one_agent = create_user(roles=("operator",))
    grant(one_agent, agent)
    assert health(client_for(one_agent), agent)["kind"] == "external"
    assert client_for(None).get(url(agent)).status_code == 401


def test_an_external_agents_heartbeat_report_and_staleness_by_the_policys_timeout(org):
    policy = policy_create(organization=org, heartbeat_timeout_seconds=60, by=SYSTEM)
    agent, client = external_with_key(org)
    assert client.post(f"/api/v1/agents/{agent.pk}/heartbeat/", {"status": "busy", "load": 2.5},
                       format="json").status_code == 200
    body = health(client, agent)
    assert body["policy"] == {"id": str(policy.pk), "group": None, "strategy": "one_for_one", "intensity": 3,
                              "period_seconds": 60, "heartbeat_timeout_seconds": 60}
    assert body["reported_status"] == "busy" and body["reported_load"] == 2.5
    assert body["heartbeat_at"] is not None and 0 <= body["heartbeat_age_seconds"] < 60 and body["stale"] is False
    Agent.objects.filter(pk=agent.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=90))
    body = health(client, agent)
    assert body["stale"] is True and body["heartbeat_age_seconds"] >= 90


def test_an_internal_agents_heartbeat_is_its_runtimes_written_by_the_cycle():
    world = World("clerk")
    world.plans("+!tidy <- +tidy(true).")
    policy_create(organization=world.org, by=SYSTEM)
    world.goal("clerk", "tidy")
    client = client_for(person_for(world.org, "view"))
    before = health(client, world.clerk)
    assert before["kind"] == "internal" and before["pending"]["events"] >= 1
    run_cycles()
    body = health(client, world.clerk)
    runtime = AgentRuntime.objects.get(agent=world.clerk)
    assert runtime.heartbeat_at is not None and body["heartbeat_at"].startswith(runtime.heartbeat_at.isoformat()[:19])
    assert Agent.objects.get(pk=world.clerk.pk).heartbeat_at is None  # not the agent row's: the runtime's
    assert body["runtime"]["cycle_count"] == runtime.cycle_count >= 1 and body["runtime"]["last_error"] == ""
    assert body["pending"]["events"] == 0 and body["stale"] is False  # idle: nothing to do, so not stale
    AgentRuntime.objects.filter(agent=world.clerk).update(
        wake_at=timezone.now() - datetime.timedelta(minutes=5),
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    assert health(client, world.clerk)["stale"] is True  # due for minutes, no cycle within the timeout


def test_an_agent_the_check_restarted_shows_its_restarts_back_off_failure_and_events():
    world = World("boss", "worker")
    world.plans("+!work <- .fail.")
    team = group_create(organization=world.org, name="Team", by=SYSTEM)
    membership_add(group=team, agent=world.boss, role="leader", by=SYSTEM)
    membership_add(group=team, agent=world.worker, by=SYSTEM)
    policy = policy_create(organization=world.org, group=team, failure_threshold=1, backoff_min_seconds=4.0,
                           backoff_max_seconds=8.0, backoff_jitter=0.0, by=SYSTEM)
    world.goal("worker", "work")
    run_cycles()
    supervision_check()
    body = health(client_for(person_for(world.org, "view")), world.worker)
    assert body["status"] == AgentStatus.FAILED and body["stale"] is False
    assert body["policy"]["id"] == str(policy.pk) and body["policy"]["group"] == str(team.pk)
    assert body["restarts_in_period"] == 1 and body["backoff_seconds"] == 4.0 and body["restart_at"] is not None
    assert "intentions_failing" in body["last_failure"]["kinds"] and body["last_failure_at"] is not None
    assert [event["kind"] for event in body["events"]] == ["restart_scheduled", "intentions_failing"]
    assert body["escalated_at"] is None


def test_the_health_shows_the_last_ten_events_in_the_same_queries_for_2_as_for_20(org):
    agent = AgentFactory(organization=org)
    client = client_for(person_for(org, "view"))

    def add(n: int) -> None:
        for i in range(n):
            SupervisionEvent.objects.create(organization=org, agent=agent, kind="restarted", detail={"n": i})

    def count() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            body = health(client, agent)
        return len(queries.captured_queries), body

    add(2)
    count()
    few, body = count()
    assert len(body["events"]) == 2
    add(18)
    many, body = count()
    assert many == few and len(body["events"]) == 10 and body["events"][0]["detail"] == {"n": 17}


def test_a_restarted_agents_health_matches_the_served_schema(client):
    schema = served_schema(client)
    world = World("worker")
    world.plans("+!work <- .fail.")
    policy_create(organization=world.org, failure_threshold=1, by=SYSTEM)
    world.goal("worker", "work")
    run_cycles()
    supervision_check()
    response = client_for(person_for(world.org, "view")).get(url(world.worker))
    assert response.json()["events"] and response.json()["runtime"] is not None
    assert_conforms(schema, "GET", "/api/v1/agents/{id}/health/", response)


def test_another_tenants_agent_looks_exactly_like_a_missing_one_to_a_person_and_a_key(org):
    theirs = AgentFactory()
    _mine, key = external_with_key(org)
    person = client_for(person_for(org, "view"))
    missing = uuid.uuid4()
    for client in (person, key):
        for path, method in (("health", "get"), ("heartbeat", "post")):
            answers = []
            for pk in (theirs.pk, missing):
                response = getattr(client, method)(f"/api/v1/agents/{pk}/{path}/")
                answers.append((response.status_code, response.content.decode().replace(str(pk), "<id>")))
            assert answers[0] == answers[1] and answers[0][0] == 404, (path, answers)
    assert Agent.objects.get(pk=theirs.pk).heartbeat_at is None
