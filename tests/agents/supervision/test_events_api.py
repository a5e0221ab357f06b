"""supervision/events/: the events of agents the caller may view, newest first, filtered by agent,
organization, kind and since; a detail the caller may not see is a 404; the list's queries do not grow."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.supervision.models import SupervisionEvent
from agents.supervision.services.policies import policy_create
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.supervision import external_with_key, person_for

URL = "/api/v1/supervision/events/"


def event(agent, kind="heartbeat_stale", **detail):
    return SupervisionEvent.objects.create(organization_id=agent.organization_id, agent=agent, kind=kind,
                                           detail=detail)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_holds_the_events_of_agents_the_caller_may_view_newest_first(org):
    policy = policy_create(organization=org, by=SYSTEM)
    alice, bob = AgentFactory(organization=org, name="alice"), AgentFactory(organization=org, name="bob")
    stranger = AgentFactory(organization=OrganizationFactory())
    first = SupervisionEvent.objects.create(organization=org, agent=alice, policy=policy, kind="cycle_errors",
                                            detail={"errors": 3})
    second, third = event(bob, "restart_scheduled"), event(alice, "restarted")
    event(stranger)
    client = client_for(person_for(org, "view"))
    assert ids(client.get(URL)) == [third.pk, second.pk, first.pk]
    row = client.get(URL).json()["results"][-1]
    assert row == {"id": first.pk, "organization": str(org.pk), "agent": str(alice.pk), "agent_name": "alice",
                   "policy": str(policy.pk), "kind": "cycle_errors", "detail": {"errors": 3},
                   "at": row["at"]}
    one_agent = create_user(roles=("operator",))
    grant(one_agent, bob)
    assert ids(client_for(one_agent).get(URL)) == [second.pk]
    assert ids(client_for(create_user(roles=("operator",))).get(URL)) == []


def test_filters_agent_organization_kind_and_since(org):
    alice, bob = AgentFactory(organization=org), AgentFactory(organization=org)
    other = OrganizationFactory()
    elsewhere = AgentFactory(organization=other)
    stale, restarted, failing, far = (event(alice), event(bob, "restarted"), event(alice, "intentions_failing"),
                                      event(elsewhere))
    person = person_for(org, "view")
    grant(person, other)
    client = client_for(person)
    assert ids(client.get(URL, {"agent": str(alice.pk)})) == [failing.pk, stale.pk]
    assert ids(client.get(URL, {"organization": str(other.pk)})) == [far.pk]
    assert ids(client.get(f"{URL}?kind=restarted&kind=heartbeat_stale")) == [far.pk, restarted.pk, stale.pk]
    assert ids(client.get(URL, {"since": str(restarted.pk)})) == [far.pk, failing.pk]
    old = SupervisionEvent.objects.create(organization=org, agent=alice, kind="dead_letters",
                                          at=timezone.now() - datetime.timedelta(hours=2))
    hour_ago = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert old.pk not in ids(client.get(URL, {"since": hour_ago}))
    assert old.pk in ids(client.get(URL, {"since": "2020-01-01T00:00:00"}))
    for name, value in (("since", "yesterday"), ("agent", "x"), ("organization", "1"), ("kind", "bad")):
        assert name in fields_of(client.get(URL, {name: value})), name


def test_a_detail_is_for_those_who_may_view_the_agent(org):
    mine, theirs = event(AgentFactory(organization=org)), event(AgentFactory(organization=OrganizationFactory()))
    client = client_for(person_for(org, "view"))
    response = client.get(f"{URL}{mine.pk}/")
    assert response.status_code == 200 and response.json()["id"] == mine.pk
    for url in (f"{URL}{theirs.pk}/", f"{URL}999999999/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"{URL}not-a-number/").status_code == 404
    assert client_for(None).get(URL).status_code == 401


def test_an_agent_key_is_refused_with_401(org):
    agent, client = external_with_key(org)
    mine = event(agent)
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{mine.pk}/").status_code == 401


@pytest.mark.parametrize("page_size", [100, 5])
def test_the_list_costs_the_same_queries_for_2_events_as_for_20(org, django_assert_max_num_queries, page_size):
    client = client_for(person_for(org, "view"))
    agents = [AgentFactory(organization=org) for _ in range(4)]
    for i in range(2):
        event(agents[i])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"page_size": page_size}).status_code == 200
        return len(queries.captured_queries)

    count()
    few = count()
    for i in range(18):
        event(agents[i % 4], "restarted")
    with django_assert_max_num_queries(12):
        assert client.get(URL, {"page_size": page_size}).json()["count"] == 20
    assert count() == few


def test_the_answers_match_the_served_schema(org, client):
    schema = served_schema(client)
    mine = event(AgentFactory(organization=org), reason={"nested": [1, "two"]})
    api = client_for(person_for(org, "view"))
    assert_conforms(schema, "GET", URL, api.get(URL))
    assert_conforms(schema, "GET", URL + "{id}/", api.get(f"{URL}{mine.pk}/"))
    assert_conforms(schema, "GET", URL, api.get(URL, {"since": "soon"}))
