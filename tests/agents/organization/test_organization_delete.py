"""DELETE organizations/{id}/ removes the organization with its agents and roles (found by the API fuzz: a 500)."""

from __future__ import annotations

import pytest

from agents.models import Agent, AgentRole, Organization
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import client_for
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_an_organization_whose_agents_hold_its_roles_is_deleted_with_them(operator):
    org = OrganizationFactory()
    role = AgentRoleFactory(organization=org)
    AgentFactory(organization=org, role=role)
    AgentFactory(organization=org, role=role)
    grant(operator, org, "view", "delete")

    response = client_for(operator).delete(f"/api/v1/organizations/{org.pk}/")

    assert response.status_code == 204, response.content
    assert not Organization.objects.filter(pk=org.pk).exists()
    assert not Agent.objects.filter(organization_id=org.pk).exists()
    assert not AgentRole.objects.filter(pk=role.pk).exists()
    event = AuditEvent.objects.get(target_type="agents.organization", action="delete")
    assert "2 agent(s)" in event.note

