"""agents/{id}/events/: an agent's pending events, oldest first, for users who may view the agent.

Through the shared permission matrix (the agent's grants; the write that makes an event is a goal POST), not
for agent keys (401), constant queries however many events wait, ``?kind=`` checked like every filter.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.keys.services import agent_key_create
from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import AgentEvent, AgentKind
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, fields_of, key_client
from tests.support.factories import AgentFactory
from tests.support.messaging import send
from tests.support.permission_matrix import AgentChildMatrix

pytestmark = pytest.mark.django_db


class TestEventPermissions(AgentChildMatrix):
    """Read: view on the agent. The write next to it is the one that makes an event (adopting a goal)."""

    detail_url = "/api/v1/agents/{pk}/events/"
    write_url = "/api/v1/agents/{pk}/goals/"
    write_method = "post"
    write_payload = {"name": "Open a second shop"}
    audit_action = "create"
    target_type = "agents.goal"

    def make_object(self):
        return AgentFactory()

    def test_a_permitted_write_is_an_event_the_reader_sees(self):
        self.grant(self.user, "view", self.obj)
        self.grant(self.user, "change", self.obj)
        client = client_for(self.user)
        assert self.write(client, self.obj).status_code == 201
        [row] = client.get(self.url(self.obj)).json()["results"]
        assert row["kind"] == "goal_added" and row["source"] == "user" and row["source_id"] == str(self.user.pk)


@pytest.fixture
def viewer(org):
    user = create_user(roles=("viewer",))
    grant(user, org, "view")
    return user


def test_the_list_holds_the_pending_events_oldest_first_with_their_source(org, agent, viewer):
    alice = AgentFactory(organization=org)
    goal_create(agent=agent, name="Runway", by=SYSTEM)
    belief_set(agent=agent, key="cash", value=5, by=SYSTEM)
    message = send(alice, to=[agent.pk]).message
    delivery_dispatch_due()
    consumed = agent_events_post(events=[NewEvent(agent=agent, kind="timer")], by=SYSTEM)[0]
    AgentEvent.objects.filter(pk=consumed.pk).update(consumed_at=timezone.now())

    body = client_for(viewer).get(f"/api/v1/agents/{agent.pk}/events/").json()
    assert body["count"] == 3
    rows = body["results"]
    assert [row["kind"] for row in rows] == ["goal_added", "belief_added", "message"]
    assert rows[1]["args"] == {"key": "cash", "value": 5}
    assert rows[2]["message"] == str(message.pk) and rows[2]["delivery"] == str(message.deliveries.get().pk)
    assert rows[2]["source"] == "message" and rows[0]["source"] == "system" and rows[0]["source_name"] == "tests"
    assert set(rows[0]) == {"id", "agent", "kind", "args", "source", "source_id", "source_name", "message",
                            "delivery", "intention", "created_at"}

    only = client_for(viewer).get(f"/api/v1/agents/{agent.pk}/events/?kind=message&kind=belief_added").json()
    assert [row["kind"] for row in only["results"]] == ["belief_added", "message"]


def test_a_bad_filter_is_a_400_naming_it(agent, viewer):
    assert "kind" in fields_of(client_for(viewer).get(f"/api/v1/agents/{agent.pk}/events/?kind=dream"))


def test_an_agent_key_may_not_read_events_even_its_own(org):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    _key, raw = agent_key_create(agent=external, by=SYSTEM, name="runtime")
    assert key_client(raw).get(f"/api/v1/agents/{external.pk}/events/").status_code == 401


def test_the_list_costs_the_same_queries_for_2_events_as_for_40(agent, viewer, django_assert_max_num_queries):
    client = client_for(viewer)
    url = f"/api/v1/agents/{agent.pk}/events/?page_size=100"

    def add(n: int) -> None:
        sender = AgentFactory(organization=agent.organization)
        for i in range(n // 2):
            goal_create(agent=agent, name=f"Goal {i}", by=viewer)
            send(sender, to=[agent.pk])
        delivery_dispatch_due()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries)

    add(2)
    count()  # warm: content types, permission caches
    few = count()
    add(38)
    assert client.get(url).json()["count"] == 40
    with django_assert_max_num_queries(12):
        many = count()
    assert many == few, f"{few} queries for 2 events, {many} for 40"
