"""agents/{id}/trace/: an agent's cycles, newest first, each in JSON and in words; ``since`` an id or a time.

Through the shared permission matrix (read: view on the agent; the write next to it, a drop, needs operate),
readable by the agent's own key, constant queries however many rows.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.keys.services import agent_key_create
from agents.models import AgentKind, Intention
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, fields_of, key_client
from tests.support.factories import AgentFactory
from tests.support.mind import CycleTraceFactory, IntentionFactory, days_ago
from tests.support.permission_matrix import AgentChildMatrix

pytestmark = pytest.mark.django_db


def trace_url(agent) -> str:
    return f"/api/v1/agents/{agent.pk}/trace/"


class TestTracePermissions(AgentChildMatrix):
    detail_url = "/api/v1/agents/{pk}/trace/"
    write_method = "post"
    write_action = "operate"
    target_type = "agents.intention"

    def make_object(self):
        agent = AgentFactory()
        CycleTraceFactory(agent=agent)
        IntentionFactory(agent=agent)
        return agent

    def write(self, client, obj):
        intention = Intention.objects.get(agent=obj)
        return client.post(f"/api/v1/agents/{obj.pk}/intentions/{intention.pk}/drop/", {}, format="json")


@pytest.fixture
def viewer(org):
    user = create_user(roles=("viewer",))
    grant(user, org, "view")
    return user


def test_rows_come_newest_first_with_their_words(agent, viewer):
    older = CycleTraceFactory(agent=agent, cycle=1, at=days_ago(1))
    newer = CycleTraceFactory(agent=agent, cycle=2, event=None, options=[], choice=None, steps=[])
    CycleTraceFactory()  # another agent's
    body = client_for(viewer).get(trace_url(agent)).json()
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    first, second = body["results"]
    assert set(first) == {"id", "agent", "cycle", "at", "duration_us", "event", "options", "choice", "steps", "words"}
    assert first["words"] == ["nothing to do"]
    assert second["words"] == [
        "took event goal_added keep_runway (from user alice)",
        "chose plan `cut_costs` v2 because `cash < 3 * monthly_costs` held (first applicable in source order)",
        "skipped `raise_prices`: context false",
        "ran `send` at body[1] of `cut_costs`: sent inform to cfo"]
    assert second["event"]["source"] == {"kind": "user", "id": "7", "name": "alice"}


def test_since_an_id_or_a_time(agent, viewer):
    old = CycleTraceFactory(agent=agent, at=days_ago(3))
    middle = CycleTraceFactory(agent=agent, at=days_ago(2))
    new = CycleTraceFactory(agent=agent, at=days_ago(0))
    client = client_for(viewer)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(trace_url(agent) + query).json()["results"]]

    assert ids(f"?since={old.pk}") == [new.pk, middle.pk]
    assert ids(f"?since={new.pk}") == []
    moment = days_ago(2.5).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"?since={moment}") == [new.pk, middle.pk]
    assert ids(f"?since={days_ago(2.5).strftime('%Y-%m-%dT%H:%M:%S')}") == [new.pk, middle.pk], "naive is UTC"
    assert ids(f"?since={days_ago(10).date().isoformat()}") == [new.pk, middle.pk, old.pk]
    for bad in ("yesterday", "2024-13-01", "-1", "9" * 30, "%00", "2024-01-01T25:00:00"):
        assert "since" in fields_of(client.get(trace_url(agent) + f"?since={bad}")), bad


def test_an_agent_key_reads_its_own_agent_s_trace_and_no_other(org):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    mine = CycleTraceFactory(agent=external)
    other = AgentFactory(organization=org)
    CycleTraceFactory(agent=other)
    _key, raw = agent_key_create(agent=external, by=SYSTEM, name="runtime")
    client = key_client(raw)
    assert [row["id"] for row in client.get(trace_url(external)).json()["results"]] == [mine.pk]
    assert client.get(trace_url(other)).status_code == 404


def test_the_list_costs_the_same_queries_for_2_rows_as_for_40(agent, viewer, django_assert_num_queries):
    client, url = client_for(viewer), trace_url(agent) + "?page_size=100"
    for _ in range(2):
        CycleTraceFactory(agent=agent)
    client.get(url)  # warm: content types, permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    for _ in range(38):
        CycleTraceFactory(agent=agent)
    with django_assert_num_queries(len(queries.captured_queries)):
        assert len(client.get(url).json()["results"]) == 40
