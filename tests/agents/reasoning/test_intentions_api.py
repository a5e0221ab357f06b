"""agents/{id}/intentions/: list, detail with the stack, drop; the agent's own key reads, never drops.

Through the shared permission matrix (read: view on the agent; the write: a drop, which needs operate),
constant queries however many intentions or frames, filters checked like every filter, and two people
dropping the same intention at once: one 200, one 409.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.keys.services import agent_key_create
from agents.models import AgentKind, Goal, GoalStatus, Intention, IntentionStatus
from agents.reasoning.api import intentions as intentions_api
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, fields_of, key_client
from tests.support.factories import AgentFactory, GoalFactory
from tests.support.mind import CycleTraceFactory, IntentionFactory, frame, plan_version
from tests.support.openapi import assert_conforms, served_schema
from tests.support.permission_matrix import AgentChildMatrix

pytestmark = pytest.mark.django_db


def intentions_url(agent, intention=None, *, drop=False) -> str:
    url = f"/api/v1/agents/{agent.pk}/intentions/"
    return url + (f"{intention.pk}/" if intention else "") + ("drop/" if drop else "")


class TestIntentionPermissions(AgentChildMatrix):
    """Read an intention: view on the agent. Drop it: operate on the agent, audited as the intention."""

    detail_url = "/api/v1/agents/{pk}/intentions/"
    write_method = "post"
    write_payload = {"reason": "a person knows better"}
    write_action = "operate"
    target_type = "agents.intention"

    def make_object(self):
        return IntentionFactory().agent

    def url(self, obj):
        return intentions_url(obj, Intention.objects.get(agent=obj))

    def write(self, client, obj):
        return client.post(intentions_url(obj, Intention.objects.get(agent=obj), drop=True), self.write_payload,
                           format="json")

    def test_the_list_is_read_with_view_too(self):
        assert client_for(self.user).get(intentions_url(self.obj)).status_code == 404
        self.grant(self.user, "view", self.obj)
        [row] = client_for(self.user).get(intentions_url(self.obj)).json()["results"]
        assert row["id"] == str(Intention.objects.get(agent=self.obj).pk)

    def test_change_is_not_enough_to_drop(self):
        self.grant(self.user, "view", self.obj)
        self.grant(self.user, "change", self.obj)
        assert self.write(client_for(self.user), self.obj).status_code == 403


@pytest.fixture
def viewer(org):
    user = create_user(roles=("viewer",))
    grant(user, org, "view")
    return user


@pytest.fixture
def operator_of(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "operate")
    return user


def test_the_list_is_newest_first_and_filters_by_status(agent, viewer):
    now = timezone.now()
    rows = [IntentionFactory(agent=agent, status=status, created_at=now - datetime.timedelta(minutes=i))
            for i, status in enumerate(["running", "waiting", "achieved", "failed", "dropped"])]
    IntentionFactory()  # another agent's
    body = client_for(viewer).get(intentions_url(agent)).json()
    assert [row["id"] for row in body["results"]] == [str(row.pk) for row in rows]
    assert set(body["results"][0]) == {"id", "agent", "status", "goal", "trigger_kind", "trigger_name", "event_id",
                                       "plan", "depth", "steps_total", "wait_until", "error", "created_at",
                                       "updated_at", "finished_at"}
    live = client_for(viewer).get(intentions_url(agent) + "?status=running&status=waiting").json()
    assert [row["status"] for row in live["results"]] == ["running", "waiting"]
    assert "status" in fields_of(client_for(viewer).get(intentions_url(agent) + "?status=thinking"))
    page = client_for(viewer).get(intentions_url(agent) + "?page_size=2").json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]


def test_the_detail_shows_the_stack_frame_by_frame(agent, viewer):
    version = plan_version(agent.organization)
    goal = GoalFactory(agent=agent, name="keep_runway")
    intention = IntentionFactory(agent=agent, goal=goal, stack=[
        frame(version, pc=[1], bindings={"Months": 1}, goal=goal.pk),
        frame(version, pc=[2, "then", 0], bindings={"Months": 1}, recovers=0),
        frame(version, pc=[3]),
    ])
    body = client_for(viewer).get(intentions_url(agent, intention)).json()
    assert body["plan"] == "cut_costs" and body["depth"] == 3 and body["goal"] == str(goal.pk)
    bottom, middle, top = body["stack"]
    assert bottom == {"plan": str(version.plan_id), "label": "cut_costs", "version": 1, "version_id": str(version.pk),
                      "trigger": {"kind": "goal_added", "name": "keep_runway"}, "goal": str(goal.pk),
                      "bindings": {"Months": 1}, "pc": [1], "path": "body[1]",
                      "step": {"kind": "add_belief", "text": "+runway(Months)"}, "atomic": False, "recovers": None}
    assert middle["path"] == "body[2].then[0]" and middle["step"] == {"kind": "add_belief", "text": "+runway_short"}
    assert middle["recovers"] == 0
    assert top["path"] == "body[3]" and top["step"] is None, "past the end: the frame has run its last step"


def test_a_frame_whose_version_is_gone_still_reads(agent, viewer):
    intention = IntentionFactory(agent=agent, stack=[{"plan": "x", "version": "not-a-uuid", "label": "gone",
                                                      "pc": [0]}, "junk"])
    [only] = client_for(viewer).get(intentions_url(agent, intention)).json()["stack"]
    assert only["label"] == "gone" and only["version"] is None and only["step"] is None and only["bindings"] == {}


def test_drop_answers_the_dropped_intention_and_a_second_drop_is_a_409(agent, operator_of):
    goal = GoalFactory(agent=agent)
    intention = IntentionFactory(agent=agent, goal=goal)
    client = client_for(operator_of)
    response = client.post(intentions_url(agent, intention, drop=True), {"reason": "wrong plan"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dropped" and response.json()["finished_at"]
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.DROPPED
    again = client.post(intentions_url(agent, intention, drop=True), {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "intention_not_live"
    assert "status" in again.json()["fields"]
    assert AuditEvent.objects.filter(target_type="agents.intention").count() == 1


def test_a_bad_drop_body_is_a_400_naming_the_field(agent, operator_of):
    intention = IntentionFactory(agent=agent)
    client = client_for(operator_of)
    assert "reason" in fields_of(client.post(intentions_url(agent, intention, drop=True), {"reason": "x" * 501},
                                             format="json"))
    assert "why" in fields_of(client.post(intentions_url(agent, intention, drop=True), {"why": "x"}, format="json"))
    assert Intention.objects.get(pk=intention.pk).status == IntentionStatus.RUNNING


def test_another_agent_s_intention_is_a_404(agent, operator_of):
    theirs = IntentionFactory()
    client = client_for(operator_of)
    assert client.get(intentions_url(agent, theirs)).status_code == 404
    assert client.post(intentions_url(agent, theirs, drop=True), {}, format="json").status_code == 404


def test_an_agent_key_reads_its_own_agent_s_intentions_and_nothing_else(org):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    mine, theirs = IntentionFactory(agent=external), IntentionFactory(agent=AgentFactory(organization=org))
    _key, raw = agent_key_create(agent=external, by=SYSTEM, name="runtime")
    client = key_client(raw)
    assert [row["id"] for row in client.get(intentions_url(external)).json()["results"]] == [str(mine.pk)]
    assert client.get(intentions_url(external, mine)).json()["id"] == str(mine.pk)
    assert client.get(intentions_url(theirs.agent)).status_code == 404
    assert client.get(intentions_url(theirs.agent, theirs)).status_code == 404
    assert client.post(intentions_url(external, mine, drop=True), {}, format="json").status_code == 401
    assert Intention.objects.get(pk=mine.pk).status == IntentionStatus.RUNNING


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


def test_the_list_costs_the_same_queries_for_2_intentions_as_for_40(agent, viewer, django_assert_num_queries):
    version = plan_version(agent.organization)
    client, url = client_for(viewer), intentions_url(agent) + "?page_size=100"
    for _ in range(2):
        IntentionFactory(agent=agent, goal=GoalFactory(agent=agent), stack=[frame(version)])
    _queries(client, url)  # warm: content types, permission caches
    few = _queries(client, url)
    for _ in range(38):
        IntentionFactory(agent=agent, goal=GoalFactory(agent=agent), stack=[frame(version), frame(version)])
    assert client.get(url).json()["count"] == 40
    with django_assert_num_queries(few):
        client.get(url)


def test_the_detail_costs_the_same_queries_for_2_frames_as_for_40(agent, viewer, django_assert_num_queries):
    versions = [plan_version(agent.organization, f"@p{i}\n+!g{i} <- +b{i}.") for i in range(40)]
    small = IntentionFactory(agent=agent, stack=[frame(version) for version in versions[:2]])
    large = IntentionFactory(agent=agent, stack=[frame(version) for version in versions])
    client = client_for(viewer)
    _queries(client, intentions_url(agent, small))
    few = _queries(client, intentions_url(agent, small))
    with django_assert_num_queries(few):
        assert len(client.get(intentions_url(agent, large)).json()["stack"]) == 40


@pytest.mark.django_db(transaction=True)
def test_two_people_dropping_the_same_intention_at_once_get_one_200_and_one_409(monkeypatch):
    agent = AgentFactory()
    intention = IntentionFactory(agent=agent, goal=GoalFactory(agent=agent))
    user = create_user(is_superuser=True, is_staff=True)
    clients = [client_for(user), client_for(user)]
    # Both requests have read the intention as live before either drops it, every time.
    both_in = threading.Barrier(2, timeout=20)
    original = intentions_api.intention_drop

    def meet_then_drop(**kwargs):
        both_in.wait()
        return original(**kwargs)

    monkeypatch.setattr(intentions_api, "intention_drop", meet_then_drop)
    answers: list[tuple[int, str]] = []

    def post(client) -> None:
        try:
            response = client.post(intentions_url(agent, intention, drop=True), {}, format="json")
            answers.append((response.status_code, response.json().get("code", response.json().get("status"))))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == [(200, "dropped"), (409, "intention_not_live")]
    assert AuditEvent.objects.filter(target_type="agents.intention", action="update").count() == 1
    assert Intention.objects.get(pk=intention.pk).status == IntentionStatus.DROPPED


def test_the_answers_conform_to_the_served_schema(agent, operator_of):
    version = plan_version(agent.organization)
    intention = IntentionFactory(agent=agent, stack=[frame(version, pc=[2, "else", 0]), frame(version, pc=[9])],
                                 wait={"event": {"kind": "timer"}})
    CycleTraceFactory(agent=agent)
    client = client_for(operator_of)
    schema = served_schema(client)
    detail = "/api/v1/agents/{id}/intentions/{intention_id}/"
    assert_conforms(schema, "GET", "/api/v1/agents/{id}/intentions/", client.get(intentions_url(agent)))
    assert_conforms(schema, "GET", detail, client.get(intentions_url(agent, intention)))
    assert_conforms(schema, "GET", "/api/v1/agents/{id}/trace/", client.get(f"/api/v1/agents/{agent.pk}/trace/"))
    dropped = client.post(intentions_url(agent, intention, drop=True), {}, format="json")
    assert_conforms(schema, "POST", detail + "drop/", dropped)
    again = client.post(intentions_url(agent, intention, drop=True), {}, format="json")
    assert again.status_code == 409
    assert_conforms(schema, "POST", detail + "drop/", again)
