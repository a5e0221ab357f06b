"""Global role templates (no organization) are for administrators only, at every door: admin and API."""

from __future__ import annotations

import pytest

from agents.models import AgentRole
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import client_for, create_user
from tests.support.factories import AgentRoleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def role_form(organization="", slug="growth", **overrides) -> dict:
    return {"organization": str(organization), "name": "Growth", "slug": slug, "responsibilities": "Grow.",
            "default_goals": '[{"name": "double revenue"}]', "default_beliefs": "[]", **overrides}


@pytest.fixture
def staff_operator(staff_operator):
    """The conftest's staff operator with a change grant on one organization: still not an administrator."""
    org = OrganizationFactory()
    grant(staff_operator, org, "view", "change")
    staff_operator.granted_org = org
    return staff_operator


def test_staff_who_is_not_an_administrator_cannot_add_a_global_template_in_the_admin(staff_operator):
    response = staff_client(staff_operator).post("/admin/agents/agentrole/add/", role_form())
    assert response.status_code == 200
    assert "Only administrators may create global role templates" in response.content.decode()
    assert not AgentRole.objects.filter(slug="growth").exists()
    assert not AuditEvent.objects.filter(target_type="agents.agentrole").exists()


def test_the_same_staff_member_adds_a_role_to_their_organization_audited(staff_operator):
    org = staff_operator.granted_org
    response = staff_client(staff_operator).post("/admin/agents/agentrole/add/", role_form(org.pk))
    assert response.status_code == 302, response.content[:3000]
    role = AgentRole.objects.get(slug="growth")
    assert role.organization_id == org.pk
    event = AuditEvent.objects.get(target_type="agents.agentrole", target_id=str(role.pk))
    assert event.action == "create" and event.actor_id == str(staff_operator.pk)


def test_staff_who_is_not_an_administrator_cannot_change_or_delete_a_global_template_in_the_admin(staff_operator):
    template = AgentRoleFactory(organization=None, slug="ceo-like", name="Chief")
    client = staff_client(staff_operator)
    change = client.post(f"/admin/agents/agentrole/{template.pk}/change/",
                         role_form(slug="ceo-like", name="Hijacked"))
    assert change.status_code == 403
    assert client.post(f"/admin/agents/agentrole/{template.pk}/delete/", {"post": "yes"}).status_code == 403
    template.refresh_from_db()
    assert template.name == "Chief"
    assert not AuditEvent.objects.filter(target_type="agents.agentrole").exists()


def test_an_administrator_adds_a_global_template_in_the_admin_audited(db):
    administrator = create_user(roles=("administrator",), is_staff=True)
    response = staff_client(administrator).post("/admin/agents/agentrole/add/", role_form())
    assert response.status_code == 302, response.content[:3000]
    role = AgentRole.objects.get(slug="growth", organization__isnull=True)
    assert AuditEvent.objects.get(target_type="agents.agentrole", target_id=str(role.pk)).action == "create"


def test_the_api_applies_the_same_rule(staff_operator):
    api = client_for(staff_operator)
    refused = api.post("/api/v1/roles/", {"name": "Growth", "slug": "growth"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    allowed = api.post("/api/v1/roles/", {"organization": str(staff_operator.granted_org.pk), "name": "Growth",
                                          "slug": "growth"}, format="json")
    assert allowed.status_code == 201
    template = AgentRoleFactory(organization=None)
    assert api.patch(f"/api/v1/roles/{template.pk}/", {"name": "x"}, format="json").status_code == 403
    assert not AgentRole.objects.filter(slug="growth", organization__isnull=True).exists()
