"""Onboarding through the service and seed_demo: staffed, audited, all or nothing, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from agents.agent.access import agent_allows
from agents.agent.selectors import agent_list
from agents.learning.models import SelectionPolicy
from agents.models import Agent, AgentRole, Belief, Goal, Organization, Plan
from agents.onboarding.libraries import plan_library
from agents.onboarding.services import organization_onboard
from agents.organization.access import org_allows
from agents.organization.services.roles import role_templates
from agents.reasoning.services import goals
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from mabos.integrity import run_integrity_checks

pytestmark = pytest.mark.django_db

SHOP = {"name": "Corner Bakery", "industry": "food", "description": "Bread and cakes for the neighbourhood.",
        "size": "small", "roles": ["ceo", "cfo", "cmo"]}


def test_role_templates_ship_every_required_role():
    templates = role_templates()
    assert set(templates) >= {"ceo", "cfo", "coo", "cmo", "cto", "hr", "legal", "strategy", "knowledge"}
    for t in templates.values():
        assert t["responsibilities"] and len(t["default_goals"]) >= 2 and len(t["default_beliefs"]) >= 2


def test_onboarding_staffs_the_organization(operator):
    org = organization_onboard(by=operator, **SHOP)
    agents = {a.slug: a for a in org.agents.all()}
    assert set(agents) == {"ceo", "cfo", "cmo"}
    assert agents["cfo"].supervisor == agents["ceo"] and agents["ceo"].supervisor is None
    cfo_template = role_templates()["cfo"]
    assert agents["cfo"].goals.count() == len(cfo_template["default_goals"])
    assert Belief.objects.get(agent=agents["cfo"], key="organization.name").value == "Corner Bakery"
    assert Belief.objects.filter(agent=agents["cfo"], source="role:cfo").count() == len(cfo_template["default_beliefs"])
    assert org.groups.get(name="Leadership team").memberships.count() == 3
    assert org_allows(operator, "change", org) and agent_allows(operator, "operate", agents["cmo"])
    assert AgentRole.objects.filter(organization__isnull=True, slug="cfo").count() == 1
    # every row written is audited, in the same transaction
    assert AuditEvent.objects.filter(target_type="agents.agent", action="create").count() == 3
    assert AuditEvent.objects.filter(target_type="agents.goal").count() == Goal.objects.count()
    assert AuditEvent.objects.filter(target_type="agents.belief").count() == Belief.objects.count()


def test_onboarded_agents_bring_their_templates_plans_teams_and_policies(operator):
    org = organization_onboard(by=operator, **SHOP)
    for slug in ("ceo", "cfo", "cmo"):
        labels = list(Plan.objects.filter(role__organization=None, role__slug=slug).order_by("created_at")
                      .values_list("label", flat=True))
        assert labels == [document["label"] for document in plan_library(slug)], slug
    # every template exists (a template's plan names its recipients' templates), but only staffed ones have plans
    assert set(AgentRole.objects.filter(organization=None).values_list("slug", flat=True)) == set(role_templates())
    assert not Plan.objects.filter(role__slug="coo").exists()
    assert AuditEvent.objects.filter(target_type="agents.plan", action="create").count() == Plan.objects.count()
    cfo = org.agents.get(slug="cfo")
    runway = cfo.goals.get(kind="maintain")
    assert runway.condition.startswith("belief('finance.cash', 0) >=") and runway.status == "pending"
    marketing = org.groups.get(name="Marketing team")
    assert [(m.agent.slug, m.role) for m in marketing.memberships.all()] == [("cmo", "leader")]
    policy = SelectionPolicy.objects.get(organization=org)
    assert (policy.trigger_kind, policy.trigger_name, policy.policy) == ("goal_added", "launch_campaign",
                                                                         "thompson_shared")
    # a second organization reuses the templates' plans: nothing new is written
    before = Plan.objects.count()
    organization_onboard(by=operator, **{**SHOP, "name": "Second Bakery"})
    assert Plan.objects.count() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"roles": ["ceo", "wizard"]}, "roles"), ({"roles": ["ceo", "ceo"]}, "roles"), ({"roles": []}, "roles"),
    ({"description": ""}, "description"), ({"size": "gigantic"}, "size"), ({"name": " "}, "name")])
def test_bad_onboarding_input_names_the_field_and_creates_nothing(operator, change, field):
    with pytest.raises(InvalidInput) as info:
        organization_onboard(by=operator, **{**SHOP, **change})
    assert field in info.value.fields
    assert not Organization.objects.exists() and not Agent.objects.exists()


def test_duplicate_name_is_refused(operator):
    organization_onboard(by=operator, **SHOP)
    with pytest.raises(InvalidInput) as info:
        organization_onboard(by=operator, **SHOP)
    assert set(info.value.fields) == {"name"}
    assert Organization.objects.count() == 1


def test_a_failure_half_way_leaves_nothing_behind(operator, monkeypatch):
    calls = {"n": 0}
    real = goals.goal_create

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr("agents.onboarding.services.goal_create", flaky)
    with pytest.raises(RuntimeError):
        organization_onboard(by=operator, **SHOP)
    assert not Organization.objects.exists() and not Agent.objects.exists() and not Goal.objects.exists()
    assert not Plan.objects.exists() and not AgentRole.objects.exists()
    assert not AuditEvent.objects.filter(target_type__startswith="agents.").exists()


def test_a_second_user_sees_nothing_until_granted(operator, outsider):
    from tests.support.actors import grant

    org = organization_onboard(by=operator, **SHOP)
    assert not agent_list(user=outsider).exists()
    grant(outsider, org, "view")
    assert agent_list(user=outsider).count() == 3


def test_seed_demo_is_idempotent_and_leaves_integrity_clean(administrator):
    call_command("seed_demo", owner=administrator.username, verbosity=0)
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get()
    assert org.agents.count() == 12
    suppliers = {a.slug: a for a in org.agents.filter(role__slug="supplier")}
    assert {slug: a.kind for slug, a in suppliers.items()} == {"hanse": "internal", "rhein": "internal",
                                                               "atlas": "external"}
    assert {a.supervisor.slug for a in suppliers.values()} == {"coo"}
    assert Belief.objects.get(agent=suppliers["rhein"], key="supplier.flaky").value is True
    team = org.groups.get(name="Suppliers")
    assert {m.agent.slug for m in team.memberships.all()} == set(suppliers)
    assert team.supervisor_policy.escalate_to == "supervisor"
    assert "hanse" not in {m.agent.slug for m in org.groups.get(name="Leadership team").memberships.all()}
    # every demo agent's role template has its library
    for slug in set(org.agents.values_list("role__slug", flat=True)):
        assert Plan.objects.filter(role__slug=slug).count() == len(plan_library(slug)) > 0, slug
    assert not run_integrity_checks()
    call_command("check_integrity", verbosity=0)
