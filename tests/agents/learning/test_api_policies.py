"""selection-policies/ (issue 16, part 4): who reads and writes (the organization's view and change, as for its
plans and supervisor policies), a version on PATCH, every bad input a 400 naming the field with nothing
written, another organization's policy a 404, a list whose queries do not grow with its length, and a policy
written over HTTP that the real cycle then applies."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.learning.services.policies import selection_policy_create
from agents.models import SelectionPolicy
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import OrganizationFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.permission_matrix import GrantedOnOrganizationMatrix
from tests.support.plan_trials import PLANS, trial, written
from tests.support.reasoning import World, traces_of
from tests.support.supervision import external_with_key, person_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/selection-policies/"


class TestSelectionPolicyPermissions(GrantedOnOrganizationMatrix):
    list_url = URL
    detail_url = URL + "{pk}/"
    write_payload = {"policy": "thompson", "version": 1}

    def make_object(self):
        return selection_policy_create(organization=OrganizationFactory(), by=SYSTEM)


class TestSelectionPolicyDeletePermissions(GrantedOnOrganizationMatrix):
    detail_url = URL + "{pk}/"
    write_method = "delete"
    audit_action = "delete"

    def make_object(self):
        return selection_policy_create(organization=OrganizationFactory(), by=SYSTEM)


def test_a_default_and_a_trigger_policy_are_created_read_filtered_and_audited(org):
    person = person_for(org)
    client = client_for(person)
    response = client.post(URL, {"organization": str(org.pk), "policy": "thompson_shared", "shared_weight": 2.5},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "organization", "trigger_kind", "trigger_name", "policy", "shared_weight", "version",
                         "created_at", "updated_at"}
    assert (body["organization"], body["trigger_kind"], body["trigger_name"]) == (str(org.pk), "", "")
    assert (body["policy"], body["shared_weight"], body["version"]) == ("thompson_shared", 2.5, 1)
    assert response["ETag"] == '"1"'
    assert AuditEvent.objects.get(target_id=body["id"], action="create").actor_id == str(person.pk)

    trigger = client.post(URL, {"organization": str(org.pk), "trigger_kind": "goal_added", "trigger_name": "sell",
                                "policy": "thompson"}, format="json")
    assert trigger.status_code == 201, trigger.content
    assert trigger.json()["shared_weight"] == 1.0 and trigger.json()["trigger_name"] == "sell"
    minimal = client.post(URL, {"organization": str(org.pk), "trigger_kind": "goal_added", "trigger_name": "buy"},
                          format="json")
    assert minimal.status_code == 201 and minimal.json()["policy"] == "first_applicable"

    other = OrganizationFactory()
    selection_policy_create(organization=other, by=SYSTEM)
    assert client.get(URL).json()["count"] == 3  # only what the caller may view
    assert client.get(URL, {"organization": str(org.pk)}).json()["count"] == 3
    assert client.get(URL, {"organization": str(other.pk)}).json()["count"] == 0
    assert [row["id"] for row in client.get(URL, {"trigger_name": "sell"}).json()["results"]] == [
        trigger.json()["id"]]
    assert "organization" in fields_of(client.get(URL, {"organization": "nope"}))
    detail = client.get(f"{URL}{body['id']}/")
    assert detail.status_code == 200 and detail.json() == body and detail["ETag"] == '"1"'


def test_patch_takes_the_version_read_in_the_body_or_as_if_match(org):
    policy = selection_policy_create(organization=org, by=SYSTEM)
    client = client_for(person_for(org))
    url = f"{URL}{policy.pk}/"
    assert "version" in fields_of(client.patch(url, {"policy": "thompson"}, format="json"))
    response = client.patch(url, {"policy": "thompson"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["policy"] == "thompson" and response.json()["version"] == 2 and response["ETag"] == '"2"'
    stale = client.patch(url, {"shared_weight": 3, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    response = client.patch(url, {"shared_weight": 3, "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["shared_weight"] == 3.0
    same = client.patch(url, {"shared_weight": 3, "version": 3}, format="json")
    assert same.status_code == 200 and same.json()["version"] == 3  # nothing changed: no new version
    policy.refresh_from_db()
    assert (policy.policy, policy.shared_weight, policy.version) == ("thompson", 3.0, 3)
    assert AuditEvent.objects.filter(target_id=str(policy.pk), action="update").count() == 2


def test_delete_removes_the_policy_and_is_audited(org):
    policy = selection_policy_create(organization=org, by=SYSTEM)
    response = client_for(person_for(org)).delete(f"{URL}{policy.pk}/")
    assert response.status_code == 204
    assert not SelectionPolicy.objects.filter(pk=policy.pk).exists()
    assert AuditEvent.objects.filter(target_id=str(policy.pk), action="delete").count() == 1


BAD = [
    ({"policy": "epsilon_greedy"}, "policy"),
    ({"policy": ""}, "policy"),
    ({"policy": 3}, "policy"),
    ({"shared_weight": -0.5}, "shared_weight"),
    ({"shared_weight": 11}, "shared_weight"),
    ({"shared_weight": "abc"}, "shared_weight"),
    ({"shared_weight": None}, "shared_weight"),
    ({"shared_weight": "NaN"}, "shared_weight"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("body", "field"), [
    *BAD,
    ({"trigger_kind": "sometimes", "trigger_name": "sell"}, "trigger_kind"),
    ({"trigger_kind": "goal_added"}, "trigger_name"),
    ({"trigger_name": "sell"}, "trigger_kind"),
    ({"trigger_kind": "goal_added", "trigger_name": "x" * 201}, "trigger_name"),
])
def test_bad_input_on_create_is_a_400_naming_the_field_and_nothing_is_written(org, body, field):
    client = client_for(person_for(org))
    before = written()
    assert field in fields_of(client.post(URL, {"organization": str(org.pk), **body}, format="json"))
    assert written() == before


@pytest.mark.parametrize(("body", "field"), [
    *BAD,
    ({"trigger_kind": "goal_added"}, "trigger_kind"),  # a policy's trigger stays what it is
    ({"organization": str(uuid.uuid4())}, "organization"),
])
def test_bad_input_on_change_is_a_400_naming_the_field_and_nothing_is_written(org, body, field):
    policy = selection_policy_create(organization=org, policy="thompson", by=SYSTEM)
    client = client_for(person_for(org))
    before = written()
    assert field in fields_of(client.patch(f"{URL}{policy.pk}/", {**body, "version": 1}, format="json"))
    assert written() == before
    policy.refresh_from_db()
    assert (policy.policy, policy.shared_weight, policy.version) == ("thompson", 1.0, 1)


def test_a_second_default_names_organization_and_a_second_trigger_policy_names_trigger_name(org):
    selection_policy_create(organization=org, by=SYSTEM)
    selection_policy_create(organization=org, trigger_kind="goal_added", trigger_name="sell", by=SYSTEM)
    client = client_for(person_for(org))
    before = written()
    assert "organization" in fields_of(client.post(URL, {"organization": str(org.pk), "policy": "thompson"},
                                                   format="json"))
    assert "trigger_name" in fields_of(client.post(URL, {"organization": str(org.pk), "trigger_kind": "goal_added",
                                                         "trigger_name": "sell"}, format="json"))
    assert written() == before
    # The same trigger name under another kind, or in another organization, is another trigger.
    assert client.post(URL, {"organization": str(org.pk), "trigger_kind": "belief_added", "trigger_name": "sell"},
                       format="json").status_code == 201


def test_an_organization_the_caller_cannot_see_is_a_400_and_one_they_may_only_view_a_403(org):
    viewer = client_for(person_for(org, "view"))
    stranger = client_for(create_user(roles=("operator",)))
    before = written()
    response = viewer.post(URL, {"organization": str(org.pk)}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "organization" in fields_of(stranger.post(URL, {"organization": str(org.pk)}, format="json"))
    assert "organization" in fields_of(viewer.post(URL, {}, format="json"))
    assert "organization" in fields_of(viewer.post(URL, {"organization": str(uuid.uuid4())}, format="json"))
    assert written() == before


def test_another_organizations_policy_is_a_404_for_every_verb(org):
    theirs = selection_policy_create(organization=OrganizationFactory(), by=SYSTEM)
    client = client_for(person_for(org))
    before = written()
    url = f"{URL}{theirs.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"policy": "thompson", "version": 1}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    assert written() == before


def test_an_agent_key_is_refused_with_401(org):
    policy = selection_policy_create(organization=org, by=SYSTEM)
    _agent, client = external_with_key(org)
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{policy.pk}/").status_code == 401
    assert client.post(URL, {"organization": str(org.pk)}, format="json").status_code == 401


def test_the_list_costs_the_same_queries_for_2_policies_as_for_20(org, django_assert_max_num_queries):
    client = client_for(person_for(org))

    def add(n: int) -> None:
        start = SelectionPolicy.objects.filter(organization=org).count()
        for index in range(start, start + n):
            selection_policy_create(organization=org, trigger_kind="goal_added", trigger_name=f"goal{index}",
                                    by=SYSTEM)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"page_size": 100}).status_code == 200
        return len(queries.captured_queries)

    add(2)
    count()  # warm: content types, permission caches
    few = count()
    add(18)
    with django_assert_max_num_queries(12):
        assert client.get(URL, {"page_size": 100}).json()["count"] == 20
    assert count() == few


def test_a_policy_written_over_http_is_what_the_cycle_applies():
    world = World("ann")
    world.plans(PLANS)
    client = client_for(person_for(world.org))
    created = client.post(URL, {"organization": str(world.org.pk), "trigger_kind": "goal_added",
                                "trigger_name": "sell", "policy": "thompson"}, format="json")
    assert created.status_code == 201, created.content
    choices = [trial(world, "ann") for _ in range(20)]
    assert choices[-8:].count("steady") >= 6
    assert [t for t in traces_of(world.ann) if t.choice and t.choice.get("policy")][-1].choice["policy"] == "thompson"
    changed = client.patch(f"{URL}{created.json()['id']}/", {"policy": "first_applicable", "version": 1},
                           format="json")
    assert changed.status_code == 200, changed.content
    assert {trial(world, "ann") for _ in range(3)} == {"risky"}


def test_the_answers_match_the_served_schema(org, client):
    schema = served_schema(client)
    api = client_for(person_for(org))
    created = api.post(URL, {"organization": str(org.pk), "policy": "thompson"}, format="json")
    assert_conforms(schema, "POST", URL, created)
    detail = f"{URL}{created.json()['id']}/"
    assert_conforms(schema, "GET", URL, api.get(URL))
    assert_conforms(schema, "GET", URL + "{id}/", api.get(detail))
    assert_conforms(schema, "PATCH", URL + "{id}/", api.patch(detail, {"shared_weight": 2, "version": 1},
                                                               format="json"))
    assert_conforms(schema, "PATCH", URL + "{id}/", api.patch(detail, {"shared_weight": 3, "version": 1},
                                                               format="json"))
    assert_conforms(schema, "POST", URL, api.post(URL, {"organization": str(org.pk), "policy": "nope"},
                                                  format="json"))
    assert_conforms(schema, "DELETE", URL + "{id}/", api.delete(detail))
