"""Every agents API resource through the shared permission matrix (tests/support/permission_matrix.py)."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from agents.models import AgentKind
from auditlog.models import AuditEvent
from tests.support.api import client_for
from tests.support.factories import (
    AgentFactory,
    AgentGroupFactory,
    AgentRoleFactory,
    BeliefFactory,
    OrganizationFactory,
)
from tests.support.permission_matrix import PermissionMatrix


class TestOrganizationPermissions(PermissionMatrix):
    list_url = "/api/v1/organizations/"
    detail_url = "/api/v1/organizations/{pk}/"
    write_payload = {"industry": "bakery"}

    def make_object(self):
        return OrganizationFactory()


class TestOrganizationDeletePermissions(PermissionMatrix):
    detail_url = "/api/v1/organizations/{pk}/"
    write_method = "delete"
    write_action = "delete"
    audit_action = "delete"

    def make_object(self):
        return OrganizationFactory()


class TestAgentPermissions(PermissionMatrix):
    list_url = "/api/v1/agents/"
    detail_url = "/api/v1/agents/{pk}/"
    write_payload = {"name": "renamed", "version": 1}

    def make_object(self):
        return AgentFactory()


class TestAgentPausePermissions(PermissionMatrix):
    detail_url = "/api/v1/agents/{pk}/"
    write_url = "/api/v1/agents/{pk}/pause/"
    write_method = "post"
    write_action = "operate"

    def make_object(self):
        return AgentFactory()


class TestAgentPermissionsThroughTheOrganization(PermissionMatrix):
    """The same matrix with every grant made on the agent's organization instead of the agent."""

    list_url = "/api/v1/agents/"
    detail_url = "/api/v1/agents/{pk}/"
    write_url = "/api/v1/agents/{pk}/restart/"
    write_method = "post"
    write_action = "operate"

    def make_object(self):
        return AgentFactory(status="failed")

    def grant(self, user, action, obj):
        assign_perm(f"{action}_organization", user, obj.organization)


class _NestedUnderAgent(PermissionMatrix):
    """Beliefs, goals and keys are audited as themselves: look for the event under the agent's children."""

    target_type = ""

    def audit_count(self, obj):
        return AuditEvent.objects.filter(target_type=self.target_type, action=self.audit_action).count()

    def test_a_permitted_write_succeeds_and_is_audited(self):
        self.grant(self.user, "view", self.obj)
        self.grant(self.user, self.write_action, self.obj)
        response = self.write(client_for(self.user), self.obj)
        assert response.status_code in self.write_ok_status, response.content
        event = AuditEvent.objects.filter(target_type=self.target_type, action=self.audit_action).get()
        assert event.actor_id == str(self.user.pk)


class TestBeliefPermissions(_NestedUnderAgent):
    detail_url = "/api/v1/agents/{pk}/beliefs/cash/"
    write_method = "put"
    write_payload = {"value": 2, "confidence": 0.5}
    target_type = "agents.belief"

    def make_object(self):
        return BeliefFactory(key="cash", value=1).agent


class TestGoalPermissions(_NestedUnderAgent):
    detail_url = "/api/v1/agents/{pk}/goals/"
    write_method = "post"
    write_payload = {"name": "Open a second shop", "priority": 70}
    audit_action = "create"
    target_type = "agents.goal"

    def make_object(self):
        return AgentFactory()


class TestSubscriptionPermissions(_NestedUnderAgent):
    detail_url = "/api/v1/agents/{pk}/subscriptions/"
    write_method = "post"
    write_payload = {"topic_pattern": "sales.*"}
    audit_action = "create"
    target_type = "agents.subscription"

    def make_object(self):
        return AgentFactory()


class TestApiKeyPermissions(_NestedUnderAgent):
    detail_url = "/api/v1/agents/{pk}/"
    write_url = "/api/v1/agents/{pk}/keys/"
    write_method = "post"
    write_payload = {"name": "runtime"}
    audit_action = "create"
    target_type = "agents.agentapikey"

    def make_object(self):
        return AgentFactory(kind=AgentKind.EXTERNAL)


class _GrantedOnOrganization(PermissionMatrix):
    def grant(self, user, action, obj):
        assign_perm(f"{action}_organization", user, obj.organization)


class TestGroupPermissions(_GrantedOnOrganization):
    list_url = "/api/v1/groups/"
    detail_url = "/api/v1/groups/{pk}/"
    write_payload = {"purpose": "Set prices"}

    def make_object(self):
        return AgentGroupFactory()


class TestRolePermissions(_GrantedOnOrganization):
    list_url = "/api/v1/roles/"
    detail_url = "/api/v1/roles/{pk}/"
    write_payload = {"responsibilities": "Buy stock."}

    def make_object(self):
        return AgentRoleFactory()

