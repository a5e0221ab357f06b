"""groups/{id}/learning/ (issue 16, part 5): a group's experience sharing switch, read by whoever may see the
group and switched by whoever may change it (audited on the group); a value that is not a boolean is a 400
naming ``sharing`` with nothing written; switched off over HTTP, the real cycle stops pooling the group."""

from __future__ import annotations

import uuid

import pytest

from agents.learning.services.policies import selection_policy_create
from agents.models import GroupLearning
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentGroupFactory, MembershipFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.permission_matrix import GrantedOnOrganizationMatrix
from tests.support.plan_trials import PLANS, trial, written
from tests.support.reasoning import World
from tests.support.supervision import external_with_key, person_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/{pk}/learning/"


def url_of(group) -> str:
    return URL.format(pk=group.pk)


class TestGroupLearningPermissions(GrantedOnOrganizationMatrix):
    detail_url = URL
    write_method = "put"
    write_payload = {"sharing": False}

    def make_object(self):
        return AgentGroupFactory()


def test_a_group_shares_until_switched_off_and_each_switch_is_audited(org):
    group = AgentGroupFactory(organization=org)
    person = person_for(org)
    client = client_for(person)
    assert client.get(url_of(group)).json() == {"group": str(group.pk), "sharing": True}
    response = client.put(url_of(group), {"sharing": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"group": str(group.pk), "sharing": False}
    assert client.get(url_of(group)).json()["sharing"] is False
    assert GroupLearning.objects.get(group=group).sharing is False
    assert client.put(url_of(group), {"sharing": False}, format="json").json()["sharing"] is False  # idempotent
    assert client.put(url_of(group), {"sharing": True}, format="json").json()["sharing"] is True
    events = AuditEvent.objects.filter(target_id=str(group.pk), action="update").order_by("id")
    assert [event.changes["learning.sharing"] for event in events] == [[None, False], [False, True]]
    assert {event.actor_id for event in events} == {str(person.pk)}


@pytest.mark.parametrize("body", [
    {"sharing": "maybe"}, {"sharing": None}, {"sharing": 2}, {"sharing": []}, {"sharing": {"on": True}}, {},
])
def test_a_sharing_that_is_not_a_boolean_is_a_400_naming_it_and_nothing_is_written(org, body):
    group = AgentGroupFactory(organization=org)
    client = client_for(person_for(org))
    before = written()
    assert "sharing" in fields_of(client.put(url_of(group), body, format="json"))
    assert written() == before


def test_an_unknown_field_is_a_400_naming_it(org):
    group = AgentGroupFactory(organization=org)
    client = client_for(person_for(org))
    before = written()
    assert "colour" in fields_of(client.put(url_of(group), {"sharing": True, "colour": "red"}, format="json"))
    assert written() == before


def test_a_viewer_reads_but_may_not_switch_and_another_organizations_group_is_a_404(org):
    group = AgentGroupFactory(organization=org)
    viewer = client_for(person_for(org, "view"))
    owner, stranger = client_for(person_for(org)), client_for(create_user(roles=("operator",)))
    theirs = AgentGroupFactory()
    _agent, key = external_with_key(org)
    assert viewer.get(url_of(group)).json()["sharing"] is True
    before = written()
    response = viewer.put(url_of(group), {"sharing": False}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    for url in (url_of(theirs), URL.format(pk=uuid.uuid4())):
        assert owner.get(url).status_code == 404
        assert owner.put(url, {"sharing": False}, format="json").status_code == 404
    assert stranger.put(url_of(group), {"sharing": False}, format="json").status_code == 404
    assert key.get(url_of(group)).status_code == 401
    assert written() == before


def test_switched_off_over_http_the_group_no_longer_pools_experience():
    world = World("ann", "bob")
    world.bob.role = world.ann.role  # one situation: the same role
    world.bob.save(update_fields=["role"])
    world.plans(PLANS)
    team = AgentGroupFactory(organization=world.org)
    for agent in (world.ann, world.bob):
        MembershipFactory(group=team, agent=agent)
    selection_policy_create(organization=world.org, policy="thompson_shared", by=SYSTEM)
    response = client_for(person_for(world.org)).put(url_of(team), {"sharing": False}, format="json")
    assert response.status_code == 200, response.content
    for _ in range(12):
        trial(world, "ann")
    assert trial(world, "bob") == "risky"  # nothing of ann's reaches him: no data, source order


def test_the_answers_match_the_served_schema(org, client):
    schema = served_schema(client)
    group = AgentGroupFactory(organization=org)
    api = client_for(person_for(org))
    path = "/api/v1/groups/{id}/learning/"
    assert_conforms(schema, "GET", path, api.get(url_of(group)))
    assert_conforms(schema, "PUT", path, api.put(url_of(group), {"sharing": False}, format="json"))
    assert_conforms(schema, "PUT", path, api.put(url_of(group), {"sharing": "maybe"}, format="json"))
