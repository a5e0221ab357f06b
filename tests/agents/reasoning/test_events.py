"""Events: goal adoption and belief changes post them, each with the wake of its agent, in one transaction.

Through the API (agents/{id}/goals/, agents/{id}/beliefs/), the admin and the services; a goal for a stopped or
failed agent is a 409 that writes nothing; external agents get no events; ``agent_events_post`` refuses what
no event may hold.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from agents.agent.services.lifecycle import agent_fail, agent_pause, agent_stop
from agents.models import AgentEvent, AgentKind, AgentRuntime, Goal
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.services.beliefs import belief_delete, belief_set
from agents.reasoning.services.goals import goal_create
from auditlog.actors import Actor
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM, grant
from tests.support.admin import agent_form, staff_client
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db


def events_of(agent, kind=None):
    rows = AgentEvent.objects.filter(agent=agent).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def wake_of(agent):
    return AgentRuntime.objects.get(agent=agent).wake_at


@pytest.fixture
def manager(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "change", "operate")
    return user


def test_a_goal_posted_through_the_api_is_a_goal_added_event_and_wakes_the_agent(agent, manager):
    assert wake_of(agent) is None  # a new agent has nothing to do
    response = client_for(manager).post(f"/api/v1/agents/{agent.pk}/goals/",
                                        {"name": "Keep three months of runway", "priority": 90}, format="json")
    assert response.status_code == 201, response.content
    [event] = events_of(agent)
    assert event.kind == "goal_added" and event.consumed_at is None
    assert event.args == {"goal": response.json()["id"], "name": "Keep three months of runway", "kind": "achieve",
                          "priority": 90, "args": []}
    assert (event.source, event.source_id, event.source_name) == ("user", str(manager.pk), manager.username)
    assert event.delivery_id is None and event.message_id is None and event.intention is None
    assert wake_of(agent) is not None


def test_posters_wake_the_agent_before_they_take_the_audit_chains_lock(agent):
    """Lock order agent, runtime, audit: a wake that waits for a cycle holding the agent must not hold the audit
    chain's lock (global: every audited write would wait too)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def order(write) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            write()
        marks = []
        for query in queries.captured_queries:
            sql = query["sql"]
            if "INSERT INTO agents_agentruntime" in sql:
                marks.append("wake")
            elif "pg_advisory_xact_lock" in sql:
                marks.append("audit")
        return marks

    belief = None

    def add_belief():
        nonlocal belief
        belief = belief_set(agent=agent, key="cash", value=1, by=SYSTEM)

    assert order(lambda: goal_create(agent=agent, name="Runway", by=SYSTEM)) == ["wake", "audit"]
    assert order(add_belief) == ["wake", "audit"]
    assert order(lambda: belief_set(agent=agent, key="cash", value=2, by=SYSTEM)) == ["wake", "audit"]
    assert order(lambda: belief_delete(belief=belief, by=SYSTEM)) == ["wake", "audit"]


def test_a_goal_adopted_by_the_agent_itself_or_by_the_system_says_so(agent):
    goal_create(agent=agent, name="Mine", by=Actor.for_agent(agent))
    goal_create(agent=agent, name="Seeded", by=SYSTEM)
    assert [(e.source, e.source_id, e.source_name) for e in events_of(agent)] == [
        ("agent", str(agent.pk), agent.name), ("system", "", "tests")]


def test_only_adopted_goals_post_an_event(agent):
    for status in ("pending", "active"):
        goal_create(agent=agent, name=status, status=status, by=SYSTEM)
    for status in ("achieved", "failed", "dropped", "suspended"):
        goal_create(agent=agent, name=status, status=status, by=SYSTEM)
    assert [e.args["name"] for e in events_of(agent)] == ["pending", "active"]


def test_a_paused_agent_adopts_goals_and_its_events_wait(agent):
    agent_pause(agent=agent, by=SYSTEM)
    goal_create(agent=agent, name="Later", by=SYSTEM)
    assert [e.kind for e in events_of(agent)] == ["goal_added"] and wake_of(agent) is not None


@pytest.mark.parametrize("stop", [agent_stop, agent_fail])
def test_a_goal_posted_for_a_stopped_or_failed_agent_is_a_409_and_writes_nothing(agent, manager, stop):
    stop(agent=agent, by=SYSTEM)
    response = client_for(manager).post(f"/api/v1/agents/{agent.pk}/goals/", {"name": "Too late"}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "agent_inactive" and str(agent.pk) in body["detail"] and agent.status in body["detail"]
    assert not Goal.objects.filter(agent=agent).exists()
    assert not events_of(agent) and wake_of(agent) is None
    assert not AuditEvent.objects.filter(target_type="agents.goal").exists()


def test_a_goal_for_an_external_agent_posts_no_event(org):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    goal_create(agent=external, name="Theirs to pursue", by=SYSTEM)
    assert not events_of(external) and not AgentRuntime.objects.filter(agent=external).exists()


def test_belief_changes_through_the_api_are_events_with_the_previous_value(agent, manager):
    client = client_for(manager)
    url = f"/api/v1/agents/{agent.pk}/beliefs/"
    assert client.post(url, {"key": "cash", "value": 1000}, format="json").status_code == 201
    assert client.put(f"{url}cash/", {"value": 800}, format="json").status_code == 200
    assert client.put(f"{url}cash/", {"value": 800, "confidence": 0.5}, format="json").status_code == 200
    assert client.post(url, {"key": "cash", "value": 800}, format="json").status_code == 200
    assert client.delete(f"{url}cash/").status_code == 204
    assert [(e.kind, e.args) for e in events_of(agent)] == [
        ("belief_added", {"key": "cash", "value": 1000}),
        ("belief_changed", {"key": "cash", "value": 800, "previous": 1000}),
        ("belief_removed", {"key": "cash", "previous": 800}),
    ]  # the same value again, or a new confidence alone, is no event
    assert {e.source for e in events_of(agent)} == {"user"} and wake_of(agent) is not None


def test_a_value_that_only_python_calls_equal_is_a_change(agent):
    belief_set(agent=agent, key="flag", value=1, by=SYSTEM)
    belief_set(agent=agent, key="flag", value=True, by=SYSTEM)
    belief_set(agent=agent, key="flag", value=1.0, by=SYSTEM)
    assert [e.args.get("value") for e in events_of(agent, "belief_changed")] == [True, 1.0]


def test_a_belief_change_of_a_stopped_or_external_agent_posts_no_event(org):
    stopped = AgentFactory(organization=org)
    agent_stop(agent=stopped, by=SYSTEM)
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    for agent in (stopped, external):
        belief = belief_set(agent=agent, key="k", value=1, by=SYSTEM)
        belief_set(agent=agent, key="k", value=2, by=SYSTEM)
        belief_delete(belief=belief, by=SYSTEM)
        assert not events_of(agent)
    assert wake_of(stopped) is None


def test_a_big_belief_fits_in_its_event_with_its_previous_value(agent):
    from agents.models import JSON_MAX_CHARS

    big = "x" * (JSON_MAX_CHARS - 10)
    belief_set(agent=agent, key="notes", value=big, by=SYSTEM)
    belief_set(agent=agent, key="notes", value=big[:-1] + "y", by=SYSTEM)
    assert events_of(agent, "belief_changed")[0].args["previous"] == big


def test_the_admin_goal_inline_posts_goal_added_and_refuses_a_stopped_agent(administrator, agent):
    administrator.is_staff = True
    administrator.save()
    client = staff_client(administrator)
    form = {**agent_form(agent), "goals-TOTAL_FORMS": "1", "goals-0-name": "From the admin", "goals-0-kind": "achieve",
            "goals-0-priority": "60", "goals-0-status": "pending", "goals-0-agent": str(agent.pk)}
    assert client.post(f"/admin/agents/agent/{agent.pk}/change/", form).status_code == 302
    [event] = events_of(agent)
    assert event.kind == "goal_added" and event.args["name"] == "From the admin" and event.source == "user"

    agent_stop(agent=agent, by=SYSTEM)
    agent.refresh_from_db()
    form = {**form, **{k: v for k, v in agent_form(agent).items() if k == "expected_version"},
            "goals-0-name": "After the stop"}
    response = client.post(f"/admin/agents/agent/{agent.pk}/change/", form)
    assert response.status_code == 200 and "cannot adopt goals" in response.content.decode()
    assert not Goal.objects.filter(name="After the stop").exists() and len(events_of(agent)) == 1


def test_the_agent_page_shows_its_pending_events_and_runtime(administrator, agent, org):
    administrator.is_staff = True
    administrator.save()
    goal_create(agent=agent, name="Visible goal", by=SYSTEM)
    page = staff_client(administrator).get(f"/admin/agents/agent/{agent.pk}/change/").content.decode()
    assert "Pending events" in page and "goal_added" in page and "Visible goal" in page and "due since" in page
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    page = staff_client(administrator).get(f"/admin/agents/agent/{external.pk}/change/").content.decode()
    assert "never runs the cycle" in page


@pytest.mark.parametrize(("event", "field"), [
    (NewEvent(agent=None, kind="message"), "kind"),
    (NewEvent(agent=None, kind="dream"), "kind"),
    (NewEvent(agent=None, kind="timer", args=["not", "an", "object"]), "args"),
    (NewEvent(agent=None, kind="timer", args={"blob": "x" * 70_000}), "args"),
    (NewEvent(agent=None, kind="timer", args={"bad": float("nan")}), "args.bad"),
    (NewEvent(agent=None, kind="timer", intention="not-a-uuid"), "intention"),
])
def test_a_bad_event_is_a_400_naming_it_and_writes_nothing(agent, event, field):
    event = NewEvent(agent=agent, kind=event.kind, args=event.args, intention=event.intention)
    good = NewEvent(agent=agent, kind="timer", args={"n": 1})
    with pytest.raises(InvalidInput) as info:
        agent_events_post(events=[event], by=SYSTEM)
    assert set(info.value.fields) == {field}
    with pytest.raises(InvalidInput) as info:
        agent_events_post(events=[good, event], by=SYSTEM)
    assert set(info.value.fields) == {f"events[1].{field}"}
    assert not events_of(agent) and wake_of(agent) is None


def test_many_events_for_many_agents_are_one_insert_and_one_wake(org, django_assert_num_queries):
    agents = [AgentFactory(organization=org) for _ in range(5)]
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    events = [NewEvent(agent=a, kind="timer", args={"n": i}) for i, a in enumerate(agents * 3 + [external])]
    with transaction.atomic(), django_assert_num_queries(2):
        stored = agent_events_post(events=events, by=SYSTEM)
    assert len(stored) == 15 and not events_of(external)
    assert all(wake_of(a) is not None for a in agents)
