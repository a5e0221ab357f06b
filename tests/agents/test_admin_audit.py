"""Writes made in the agents admin are audited once, through the services, with the real before/after."""

from __future__ import annotations

import pytest

from agents.models import Membership, MembershipRole
from agents.services.groups import group_create, membership_add
from auditlog.models import AuditEvent
from tests.agents.conftest import SYSTEM
from tests.agents.factories import AgentFactory
from tests.agents.test_admin import agent_form, staff_client
from tests.support.api import create_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin(db):
    return create_user(roles=("administrator",), is_staff=True)


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
