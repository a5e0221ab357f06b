"""Organizations and roles through the shared permission matrix (tests/support/permission_matrix.py)."""

from __future__ import annotations

from tests.support.factories import AgentRoleFactory, OrganizationFactory
from tests.support.permission_matrix import GrantedOnOrganizationMatrix, PermissionMatrix


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


class TestRolePermissions(GrantedOnOrganizationMatrix):
    list_url = "/api/v1/roles/"
    detail_url = "/api/v1/roles/{pk}/"
    write_payload = {"responsibilities": "Buy stock."}

    def make_object(self):
        return AgentRoleFactory()

