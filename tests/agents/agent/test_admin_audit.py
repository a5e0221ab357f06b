"""Memberships and groups written in the admin are audited once, through the services, with the real before/after."""

from __future__ import annotations

import pytest

from agents.agent.services.groups import group_create, membership_add
from agents.models import AgentGroup, Membership, MembershipRole
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import agent_form, staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_membership_role_changed_in_the_agent_inline_is_audited_with_its_real_before(staff_admin):
    agent = AgentFactory()
    group = group_create(organization=agent.organization, name="Board", by=SYSTEM)
    membership = membership_add(group=group, agent=agent, by=SYSTEM)
    form = {**agent_form(agent), "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk), "memberships-0-agent": str(agent.pk),
            "memberships-0-group": str(group.pk), "memberships-0-role": MembershipRole.LEADER}
    response = staff_client(staff_admin).post(f"/admin/agents/agent/{agent.pk}/change/", form)
    assert response.status_code == 302, response.content[:3000]
    membership.refresh_from_db()
    assert membership.role == MembershipRole.LEADER
    event = AuditEvent.objects.get(target_type="agents.membership", target_id=str(membership.pk), action="update")
    assert event.changes == {"role": [MembershipRole.MEMBER, MembershipRole.LEADER]}
    assert event.actor_id == str(staff_admin.pk)


def test_memberships_are_kept_consistent_after_inline_edit(staff_admin):
    """Saving the page without touching the membership records nothing for it."""
    agent = AgentFactory()
    group = group_create(organization=agent.organization, name="Board", by=SYSTEM)
    membership = membership_add(group=group, agent=agent, by=SYSTEM)
    form = {**agent_form(agent), "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk), "memberships-0-agent": str(agent.pk),
            "memberships-0-group": str(group.pk), "memberships-0-role": MembershipRole.MEMBER}
    assert staff_client(staff_admin).post(f"/admin/agents/agent/{agent.pk}/change/", form).status_code == 302
    assert not AuditEvent.objects.filter(target_type="agents.membership", action="update").exists()
    assert Membership.objects.get(pk=membership.pk).role == MembershipRole.MEMBER


def test_delete_selected_groups_goes_through_the_service(staff_operator_with_change):
    user, org = staff_operator_with_change
    first = group_create(organization=org, name="One", by=SYSTEM)
    second = group_create(organization=org, name="Two", by=SYSTEM)
    response = staff_client(user).post("/admin/agents/agentgroup/", {
        "action": "delete_selected", "_selected_action": [str(first.pk), str(second.pk)], "post": "yes"})
    assert response.status_code == 302
    assert not AgentGroup.objects.filter(pk__in=[first.pk, second.pk]).exists()
    for group in (first, second):
        events = AuditEvent.objects.filter(target_type="agents.agentgroup", target_id=str(group.pk),
                                           action="delete")
        assert events.count() == 1 and events.get().actor_id == str(user.pk)


@pytest.fixture
def staff_operator_with_change(db):
    user = create_user(roles=("operator",), is_staff=True)
    org = OrganizationFactory()
    grant(user, org, "view", "change")
    return user, org
