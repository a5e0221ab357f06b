"""Organizations and roles in the admin: form errors instead of bad rows, deletes through the services (audited)."""

from __future__ import annotations

import pytest

from agents.models import AgentRole, Organization
from auditlog.models import AuditEvent
from tests.support.admin import staff_client
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_organization_form_shows_odd_slugs_as_form_errors(administrator):
    administrator.is_staff = True
    administrator.save()
    response = staff_client(administrator).post("/admin/agents/organization/add/", {
        "name": "Shop", "slug": "Odd_Slug", "industry": "", "description": "Sells.", "profile": "{}"})
    assert response.status_code == 200 and "lower-case letters" in response.content.decode()
    assert not Organization.objects.exists()


def test_delete_selected_roles_goes_through_the_service(staff_admin):
    org = OrganizationFactory()
    first, second = AgentRoleFactory(organization=org), AgentRoleFactory(organization=org)
    response = staff_client(staff_admin).post("/admin/agents/agentrole/", {
        "action": "delete_selected", "_selected_action": [str(first.pk), str(second.pk)], "post": "yes"})
    assert response.status_code == 302
    assert not AgentRole.objects.filter(pk__in=[first.pk, second.pk]).exists()
    for role in (first, second):
        event = AuditEvent.objects.get(target_type="agents.agentrole", target_id=str(role.pk))
        assert event.action == "delete" and event.actor_id == str(staff_admin.pk)
        assert event.changes["slug"] == [None, role.slug]


def test_delete_selected_keeps_a_role_in_use(staff_admin):
    agent = AgentFactory()
    staff_client(staff_admin).post("/admin/agents/agentrole/", {
        "action": "delete_selected", "_selected_action": [str(agent.role_id)], "post": "yes"})
    assert AgentRole.objects.filter(pk=agent.role_id).exists()
    assert not AuditEvent.objects.filter(target_type="agents.agentrole", action="delete").exists()

