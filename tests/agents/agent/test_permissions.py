"""Agents and groups through the shared permission matrix (tests/support/permission_matrix.py)."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from tests.support.factories import AgentFactory, AgentGroupFactory
from tests.support.permission_matrix import GrantedOnOrganizationMatrix, PermissionMatrix


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


class TestGroupPermissions(GrantedOnOrganizationMatrix):
    list_url = "/api/v1/groups/"
    detail_url = "/api/v1/groups/{pk}/"
    write_payload = {"purpose": "Set prices"}

    def make_object(self):
        return AgentGroupFactory()
