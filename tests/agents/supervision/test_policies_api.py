"""supervision/policies/: who reads and writes (the organization's view and change), a version on PATCH, every
bad input a 400 naming the field with nothing written (escalation cycles, agents and groups of another
organization, out-of-range numbers), and a list whose queries do not grow with its length."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from agents.agent.services.groups import group_create, membership_add
from agents.supervision.models import SupervisionEvent, SupervisorPolicy
from agents.supervision.services.policies import policy_create
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentFactory, AgentGroupFactory, OrganizationFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.permission_matrix import GrantedOnOrganizationMatrix
from tests.support.supervision import external_with_key, person_for, written

URL = "/api/v1/supervision/policies/"


class TestPolicyPermissions(GrantedOnOrganizationMatrix):
    list_url = URL
    detail_url = URL + "{pk}/"
    write_payload = {"intensity": 5, "version": 1}

    def make_object(self):
        return policy_create(organization=OrganizationFactory(), by=SYSTEM)


class TestPolicyDeletePermissions(GrantedOnOrganizationMatrix):
    detail_url = URL + "{pk}/"
    write_method = "delete"
    audit_action = "delete"

    def make_object(self):
        return policy_create(organization=OrganizationFactory(), by=SYSTEM)


def test_a_default_and_a_group_policy_are_created_read_and_audited(org):
    person = person_for(org)
    client = client_for(person)
    response = client.post(URL, {"organization": str(org.pk), "strategy": "one_for_all", "intensity": 5},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["group"] is None and body["strategy"] == "one_for_all" and body["intensity"] == 5
    assert body["version"] == 1 and response["ETag"] == '"1"'
    assert set(body) == {"id", "organization", "group", "strategy", "intensity", "period_seconds", "restart",
                         "backoff_min_seconds", "backoff_max_seconds", "backoff_jitter", "heartbeat_timeout_seconds",
                         "failure_threshold", "failure_window_seconds", "escalate_to", "escalate_agent",
                         "escalate_role", "reset_beliefs", "version", "created_at", "updated_at"}
    event = AuditEvent.objects.get(target_id=body["id"], action="create")
    assert event.actor_id == str(person.pk)

    group = AgentGroupFactory(organization=org)
    response = client.post(URL, {"group": str(group.pk), "restart": "transient"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == str(org.pk) and response.json()["group"] == str(group.pk)

    listed = client.get(URL, {"group": str(group.pk)}).json()["results"]
    assert [row["id"] for row in listed] == [response.json()["id"]]
    assert client.get(URL, {"organization": str(org.pk)}).json()["count"] == 2
    assert client.get(URL, {"organization": str(OrganizationFactory().pk)}).json()["count"] == 0
    detail = client.get(f"{URL}{body['id']}/")
    assert detail.status_code == 200 and detail.json() == body


def test_patch_takes_the_version_read_in_the_body_or_as_if_match(org):
    policy = policy_create(organization=org, by=SYSTEM)
    client = client_for(person_for(org))
    url = f"{URL}{policy.pk}/"
    assert "version" in fields_of(client.patch(url, {"intensity": 4}, format="json"))
    response = client.patch(url, {"intensity": 4}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["intensity"] == 4 and response.json()["version"] == 2 and response["ETag"] == '"2"'
    stale = client.patch(url, {"intensity": 6, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    response = client.patch(url, {"backoff_jitter": 0.5, "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["backoff_jitter"] == 0.5
    policy.refresh_from_db()
    assert (policy.intensity, policy.backoff_jitter, policy.version) == (4, 0.5, 3)
    assert AuditEvent.objects.filter(target_id=str(policy.pk), action="update").count() == 2


def test_delete_removes_the_policy_and_is_audited(org):
    policy = policy_create(organization=org, by=SYSTEM)
    response = client_for(person_for(org)).delete(f"{URL}{policy.pk}/")
    assert response.status_code == 204
    assert not SupervisorPolicy.objects.filter(pk=policy.pk).exists()
    assert AuditEvent.objects.filter(target_id=str(policy.pk), action="delete").count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"intensity": 0}, "intensity"),
    ({"period_seconds": 0}, "period_seconds"),
    ({"backoff_min_seconds": 10, "backoff_max_seconds": 5}, "backoff_min_seconds"),
    ({"backoff_jitter": 2}, "backoff_jitter"),
    ({"strategy": "one_for_none"}, "strategy"),
    ({"restart": "sometimes"}, "restart"),
    ({"heartbeat_timeout_seconds": -1}, "heartbeat_timeout_seconds"),
    ({"intensity": "many"}, "intensity"),
    ({"escalate_to": "agent"}, "escalate_agent"),
    ({"escalate_to": "role", "escalate_role": "nobody-has-this-role"}, "escalate_role"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(org, body, field):
    client = client_for(person_for(org))
    before = written()
    assert field in fields_of(client.post(URL, {"organization": str(org.pk), **body}, format="json"))
    assert written() == before
    policy = policy_create(organization=org, by=SYSTEM)
    before = written()
    assert field in fields_of(client.patch(f"{URL}{policy.pk}/", {**body, "version": 1}, format="json"))
    assert written() == before
    policy.refresh_from_db()
    assert policy.version == 1


def test_leaders_that_are_each_others_members_are_an_escalation_cycle(org):
    """x joined group B (led by y) first, y joined A (led by x) first: both escalate to their leader."""
    x, y = AgentFactory(organization=org, name="x"), AgentFactory(organization=org, name="y")
    team_a = group_create(organization=org, name="A", by=SYSTEM)
    team_b = group_create(organization=org, name="B", by=SYSTEM)
    membership_add(group=team_b, agent=x, by=SYSTEM)
    membership_add(group=team_a, agent=y, by=SYSTEM)
    membership_add(group=team_a, agent=x, role="leader", by=SYSTEM)
    membership_add(group=team_b, agent=y, role="leader", by=SYSTEM)
    client = client_for(person_for(org))
    assert client.post(URL, {"group": str(team_a.pk), "escalate_to": "leader"}, format="json").status_code == 201
    before = written()
    fields = fields_of(client.post(URL, {"group": str(team_b.pk), "escalate_to": "leader"}, format="json"))
    assert "escalate_to" in fields and "x" in fields["escalate_to"][0] and "y" in fields["escalate_to"][0]
    assert written() == before


def test_agents_named_as_each_others_escalation_are_a_cycle(org):
    a, b = AgentFactory(organization=org, name="a"), AgentFactory(organization=org, name="b")
    team = group_create(organization=org, name="Team", by=SYSTEM)
    membership_add(group=team, agent=a, by=SYSTEM)
    client = client_for(person_for(org))
    response = client.post(URL, {"organization": str(org.pk), "escalate_to": "agent", "escalate_agent": str(a.pk)},
                           format="json")
    assert response.status_code == 201, response.content
    before = written()
    body = {"group": str(team.pk), "escalate_to": "agent", "escalate_agent": str(b.pk)}
    assert "escalate_to" in fields_of(client.post(URL, body, format="json"))
    assert written() == before
    # The same cycle made by changing a policy that exists is refused too.
    policy = policy_create(organization=org, group=team, by=SYSTEM)
    before = written()
    body = {"escalate_to": "agent", "escalate_agent": str(b.pk), "version": 1}
    assert "escalate_to" in fields_of(client.patch(f"{URL}{policy.pk}/", body, format="json"))
    assert written() == before


def test_an_escalation_agent_or_a_group_of_another_organization_is_a_400_naming_it(org):
    other = OrganizationFactory()
    person = person_for(org)
    client = client_for(person)
    stranger = AgentFactory(organization=other)
    person_for_both = person_for(other, "view", "change")
    assign_perm("view_organization", person_for_both, org)
    assign_perm("change_organization", person_for_both, org)
    both = client_for(person_for_both)
    before = written()
    body = {"organization": str(org.pk), "escalate_to": "agent", "escalate_agent": str(stranger.pk)}
    assert "escalate_agent" in fields_of(client.post(URL, body, format="json"))  # not visible
    assert "escalate_agent" in fields_of(both.post(URL, body, format="json"))  # visible, but not of this org
    their_group = AgentGroupFactory(organization=other)
    body = {"organization": str(org.pk), "group": str(their_group.pk)}
    assert "group" in fields_of(client.post(URL, body, format="json"))
    assert "group" in fields_of(both.post(URL, body, format="json"))
    assert written() == before


def test_a_group_the_caller_may_see_but_not_change_is_a_403_and_one_they_cannot_see_a_400(org):
    group = AgentGroupFactory(organization=org)
    viewer = client_for(person_for(org, "view"))
    stranger = client_for(create_user(roles=("operator",)))
    before = written()
    response = viewer.post(URL, {"group": str(group.pk)}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "group" in fields_of(stranger.post(URL, {"group": str(group.pk)}, format="json"))
    assert "organization" in fields_of(viewer.post(URL, {}, format="json"))
    assert written() == before


def test_a_second_policy_for_the_same_group_or_default_is_a_400_naming_group(org):
    group = AgentGroupFactory(organization=org)
    policy_create(organization=org, by=SYSTEM)
    policy_create(organization=org, group=group, by=SYSTEM)
    client = client_for(person_for(org))
    before = written()
    assert "group" in fields_of(client.post(URL, {"organization": str(org.pk)}, format="json"))
    assert "group" in fields_of(client.post(URL, {"group": str(group.pk)}, format="json"))
    assert written() == before


def test_an_agent_key_is_refused_with_401(org):
    policy = policy_create(organization=org, by=SYSTEM)
    _agent, client = external_with_key(org)
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{policy.pk}/").status_code == 401
    assert client.post(URL, {"organization": str(org.pk)}, format="json").status_code == 401


def test_the_list_costs_the_same_queries_for_2_policies_as_for_20(org, django_assert_max_num_queries):
    client = client_for(person_for(org))
    policy_create(organization=org, by=SYSTEM)
    policy_create(organization=org, group=AgentGroupFactory(organization=org), by=SYSTEM)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"page_size": 100}).status_code == 200
        return len(queries.captured_queries)

    count()
    few = count()
    for _ in range(18):
        policy_create(organization=org, group=AgentGroupFactory(organization=org), by=SYSTEM)
    with django_assert_max_num_queries(12):
        assert client.get(URL, {"page_size": 100}).json()["count"] == 20
    assert count() == few


def test_the_answers_match_the_served_schema(org, client):
    schema = served_schema(client)
    api = client_for(person_for(org, "view", "change"))
    created = api.post(URL, {"organization": str(org.pk), "escalate_role": None}, format="json")
    assert_conforms(schema, "POST", URL, created)
    detail = f"{URL}{created.json()['id']}/"
    assert_conforms(schema, "GET", URL, api.get(URL))
    assert_conforms(schema, "GET", URL + "{id}/", api.get(detail))
    assert_conforms(schema, "PATCH", URL + "{id}/", api.patch(detail, {"intensity": 2, "version": 1}, format="json"))
    assert_conforms(schema, "PATCH", URL + "{id}/", api.patch(detail, {"intensity": 2, "version": 1}, format="json"))
    assert_conforms(schema, "DELETE", URL + "{id}/", api.delete(detail))


def test_deleting_a_policy_or_its_group_keeps_the_events_that_named_it(org):
    agent = AgentFactory(organization=org)
    group = AgentGroupFactory(organization=org)
    policy = policy_create(organization=org, group=group, by=SYSTEM)
    kept = SupervisionEvent.objects.create(organization=org, agent=agent, policy=policy, kind="restarted")
    client = client_for(person_for(org))
    assert client.delete(f"{URL}{policy.pk}/").status_code == 204
    kept.refresh_from_db()
    assert kept.policy_id is None and kept.kind == "restarted"
    policy = policy_create(organization=org, group=group, by=SYSTEM)
    SupervisionEvent.objects.create(organization=org, agent=agent, policy=policy, kind="restarted")
    assert client.delete(f"/api/v1/groups/{group.pk}/").status_code == 204
    assert SupervisionEvent.objects.filter(agent=agent).count() == 2


def test_another_tenants_policy_looks_exactly_like_a_missing_one(org):
    theirs = policy_create(organization=OrganizationFactory(), by=SYSTEM)
    client = client_for(person_for(org))
    missing = uuid.uuid4()
    for method, body in (("get", None), ("patch", {"intensity": 2, "version": 1}), ("delete", None)):
        answers = []
        for pk in (theirs.pk, missing):
            response = getattr(client, method)(f"{URL}{pk}/", body, format="json")
            answers.append((response.status_code, response.content.decode().replace(str(pk), "<id>")))
        assert answers[0] == answers[1] and answers[0][0] == 404, (method, answers)
    theirs.refresh_from_db()
    assert theirs.version == 1


def test_deleting_an_agent_a_policy_escalates_to_is_a_409_and_nothing_is_deleted(org):
    target = AgentFactory(organization=org)
    policy_create(organization=org, by=SYSTEM, escalate_to="agent", escalate_agent=target)
    client = client_for(create_user(is_superuser=True, is_staff=True))
    before = written()
    response = client.delete(f"/api/v1/agents/{target.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "agent_is_escalation_target"
    assert written() == before and type(target).objects.filter(pk=target.pk).exists()
