"""POST agents/{id}/tell-how/ (an operator makes an agent tell a plan) and a role's adopts_told_plans, over HTTP."""

from __future__ import annotations

import pytest

from agents.models import AgentRole, Message, PlanAdoption
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentFactory, AgentGroupFactory, MembershipFactory
from tests.support.reasoning import World, beliefs_of, run_cycles, run_with_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = World("ann", "bob")
    world.bob.role.adopts_told_plans = True
    world.bob.role.save(update_fields=["adopts_told_plans"])
    [world.sell] = world.plans("@sell_well +!sell <- +sold(true).")
    team = AgentGroupFactory(organization=world.org)
    for slug in ("ann", "bob"):
        MembershipFactory(group=team, agent=world.agents[slug])
    return world


@pytest.fixture
def operator(world):
    user = create_user(roles=("operator",))
    grant(user, world.org, "view", "operate")
    return user


def tell(user, teller, **body):
    return client_for(user).post(f"/api/v1/agents/{teller.pk}/tell-how/", body, format="json")


def test_an_operator_tells_and_the_member_adopts(world, operator):
    response = tell(operator, world.ann, to=str(world.bob.pk), plan=str(world.sell.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    message = Message.objects.get(pk=body["message"])
    assert message.sender_agent_id == world.ann.pk and message.ontology == "mabos:plan"
    assert body["version"] == str(world.sell.versions.get().pk) and body["number"] == 1
    assert AuditEvent.objects.filter(target_id=str(message.pk)).exists()
    run_with_mail()
    adoption = PlanAdoption.objects.get(agent=world.bob)
    assert adoption.message_id == message.pk and adoption.told_by_id == world.ann.pk
    world.goal("bob", "sell")
    run_cycles()
    assert beliefs_of(world.bob)["sold"] is True


def test_bad_recipients_and_plans_are_400s_naming_the_field(world, operator):
    other = World("zed")
    [foreign] = other.plans("@abroad +!sell <- +sold(false).")
    grant(operator, other.org, "view", "operate")
    loner = AgentFactory(organization=world.org)  # in no group with ann
    cases = [({"to": str(other.zed.pk), "plan": str(world.sell.pk)}, "to"),
             ({"to": str(loner.pk), "plan": str(world.sell.pk)}, "to"),
             ({"to": str(world.ann.pk), "plan": str(world.sell.pk)}, "to"),
             ({"to": "00000000-0000-0000-0000-000000000000", "plan": str(world.sell.pk)}, "to"),
             ({"to": str(world.bob.pk), "plan": str(foreign.pk)}, "plan"),
             ({"to": str(world.bob.pk), "plan": "00000000-0000-0000-0000-000000000000"}, "plan"),
             ({"to": str(world.bob.pk)}, "plan"),
             ({"to": "nope", "plan": str(world.sell.pk)}, "to")]
    for body, field in cases:
        response = tell(operator, world.ann, **body)
        assert response.status_code == 400, (body, response.json())
        assert field in fields_of(response), (body, response.json())
    assert not Message.objects.filter(ontology="mabos:plan").exists()


def test_access_is_operate_on_the_teller(world):
    viewer = create_user(roles=("viewer",))
    grant(viewer, world.org, "view")
    stranger = create_user(roles=("operator",))
    body = {"to": str(world.bob.pk), "plan": str(world.sell.pk)}
    assert tell(viewer, world.ann, **body).status_code == 403
    assert tell(stranger, world.ann, **body).status_code == 404
    assert client_for().post(f"/api/v1/agents/{world.ann.pk}/tell-how/", body, format="json").status_code == 401
    assert not Message.objects.filter(ontology="mabos:plan").exists()


def test_a_role_s_adopts_told_plans_is_read_and_written_through_the_api(world):
    admin = create_user(roles=("administrator",))
    grant(admin, world.org, "view", "change")
    role = world.ann.role
    url = f"/api/v1/roles/{role.pk}/"
    assert client_for(admin).get(url).json()["adopts_told_plans"] is False
    response = client_for(admin).patch(url, {"adopts_told_plans": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["adopts_told_plans"] is True
    assert AgentRole.objects.get(pk=role.pk).adopts_told_plans is True
    response = client_for(admin).patch(url, {"adopts_told_plans": "maybe"}, format="json")
    assert response.status_code == 400 and "adopts_told_plans" in fields_of(response)


def test_a_role_s_adopts_told_plans_is_changed_in_the_admin_audited(world, staff_operator):
    from tests.support.admin import staff_client

    grant(staff_operator, world.org, "view", "change")
    role = world.ann.role
    form = {"name": role.name, "slug": role.slug, "responsibilities": "Sell.", "default_goals": "[]",
            "default_beliefs": "[]", "adopts_told_plans": "on"}
    response = staff_client(staff_operator).post(f"/admin/agents/agentrole/{role.pk}/change/", form)
    assert response.status_code == 302, response.content[:3000]
    assert AgentRole.objects.get(pk=role.pk).adopts_told_plans is True
    event = AuditEvent.objects.filter(target_type="agents.agentrole", target_id=str(role.pk)).latest("id")
    assert event.changes["adopts_told_plans"] == [False, True]
