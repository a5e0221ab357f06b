"""The agent admin: filtered by object permission, writes through the services (audited), constant queries.

Lifecycle actions, and the beliefs and subscriptions edited inline on the agent's page; the memberships edited
there, and groups, are audited in test_admin_audit.py."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.agent.services.agents import agent_update
from agents.models import Belief
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import agent_form, empty_inlines, staff_client
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_changelists_and_pages_show_only_granted_objects(staff_operator):
    mine, theirs = AgentFactory(name="Mine"), AgentFactory(name="Theirs")
    grant(staff_operator, mine.organization, "view")
    client = staff_client(staff_operator)
    page = client.get("/admin/agents/agent/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert theirs.organization.name not in page  # the organization filter lists only visible ones
    assert client.get(f"/admin/agents/agent/{theirs.pk}/change/").status_code in (302, 404)
    orgs = client.get("/admin/agents/organization/").content.decode()
    assert mine.organization.name in orgs and theirs.organization.name not in orgs
    assert client.get(f"/admin/agents/agent/{mine.pk}/change/").status_code == 200


def test_admin_lifecycle_actions_go_through_the_service(staff_operator):
    agent = AgentFactory()
    grant(staff_operator, agent.organization, "view", "operate")
    response = staff_client(staff_operator).post("/admin/agents/agent/", {
        "action": "pause", "_selected_action": [str(agent.pk)]})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.status == "paused" and agent.version == 2
    event = AuditEvent.objects.get(target_id=str(agent.pk), action="update")
    assert event.changes["status"] == ["active", "paused"] and event.actor_id == str(staff_operator.pk)


def test_view_only_staff_cannot_operate_from_the_admin(staff_operator):
    agent = AgentFactory()
    grant(staff_operator, agent.organization, "view")
    staff_client(staff_operator).post("/admin/agents/agent/", {"action": "pause", "_selected_action": [str(agent.pk)]})
    agent.refresh_from_db()
    assert agent.status == "active"


def test_inline_belief_edits_are_audited_through_the_service(administrator):
    administrator.is_staff = True
    administrator.save()
    agent = AgentFactory()
    client = staff_client(administrator)
    form = {"organization": str(agent.organization_id), "role": str(agent.role_id), "name": agent.name,
            "slug": agent.slug, "kind": agent.kind, "supervisor": "", "config": "{}", "expected_version": "1"}
    form.update(empty_inlines())
    form.update({"beliefs-TOTAL_FORMS": "1", "beliefs-0-key": "stock.level", "beliefs-0-value": "12",
                 "beliefs-0-confidence": "0.7", "beliefs-0-source": "count", "beliefs-0-agent": str(agent.pk)})
    response = client.post(f"/admin/agents/agent/{agent.pk}/change/", form)
    if response.status_code != 302:
        import re
        errs = re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
        raise AssertionError(errs)
    belief = Belief.objects.get(agent=agent)
    assert belief.value == 12 and AuditEvent.objects.filter(target_id=str(belief.pk), action="create").exists()
    agent.refresh_from_db()
    seen = agent.version
    agent_update(agent=agent, by=SYSTEM, expected_version=seen, config={"changed": "elsewhere"})
    stale = client.post(f"/admin/agents/agent/{agent.pk}/change/",
                        {**form, "beliefs-TOTAL_FORMS": "0", "name": "Stale edit", "expected_version": str(seen)})
    assert stale.status_code == 200 and "Someone else changed this agent" in stale.content.decode()
    agent.refresh_from_db()
    assert agent.name != "Stale edit"


def test_agent_changelist_runs_a_constant_number_of_queries(administrator):
    administrator.is_staff = True
    administrator.save()
    client = staff_client(administrator)
    org = OrganizationFactory()
    client.get("/admin/agents/agent/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/agents/agent/").status_code == 200
        return len(ctx.captured_queries)

    AgentFactory.create_batch(2, organization=org)
    few = count()
    AgentFactory.create_batch(20, organization=org)
    assert count() == few


def test_inline_subscriptions_are_written_through_the_service(administrator):
    from agents.models import Subscription

    administrator.is_staff = True
    administrator.save()
    agent = AgentFactory()
    client = staff_client(administrator)
    form = {**agent_form(agent), "subscriptions-TOTAL_FORMS": "1", "subscriptions-0-topic_pattern": "sales.*",
            "subscriptions-0-performative": "cfp", "subscriptions-0-agent": str(agent.pk)}
    assert client.post(f"/admin/agents/agent/{agent.pk}/change/", form).status_code == 302
    subscription = Subscription.objects.get(agent=agent)
    assert (subscription.topic_pattern, subscription.performative) == ("sales.*", "cfp")
    assert AuditEvent.objects.filter(target_id=str(subscription.pk), action="create").exists()
    agent.refresh_from_db()
    page = client.get(f"/admin/agents/agent/{agent.pk}/change/").content.decode()
    assert "sales.*" in page
    changed = {**agent_form(agent), "subscriptions-TOTAL_FORMS": "1", "subscriptions-INITIAL_FORMS": "1",
               "subscriptions-0-id": str(subscription.pk), "subscriptions-0-agent": str(agent.pk),
               "subscriptions-0-topic_pattern": "sales.*", "subscriptions-0-performative": "cfp",
               "subscriptions-0-DELETE": "on"}
    assert client.post(f"/admin/agents/agent/{agent.pk}/change/", changed).status_code == 302
    assert not Subscription.objects.filter(agent=agent).exists()
    assert AuditEvent.objects.filter(target_id=str(subscription.pk), action="delete").exists()
