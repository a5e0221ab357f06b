"""The permission matrix every API resource under object permissions plugs into.

Subclass it as ``Test<Resource>Permissions``, say where the resource lives and
how to make two objects, and it checks the contract of ARCHITECTURE.md §6:

- anonymous: 401 on detail, list and write;
- authenticated without a grant: 404 on detail and write (not 403: nothing leaks);
- view-only: 200 on read, 403 on write, and nothing written or audited;
- a grant on one object says nothing about another: 404;
- the list holds exactly the granted objects;
- a permitted write succeeds and writes one audit event naming the object.

    class TestWidgetPermissions(PermissionMatrix):
        list_url = "/api/v1/widgets/"
        detail_url = "/api/v1/widgets/{pk}/"
        write_payload = {"name": "renamed"}

        def make_object(self):
            return WidgetFactory()
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model
from guardian.shortcuts import assign_perm

from accounts.object_permissions import policy_for
from auditlog.models import AuditEvent
from tests.support.api import client_for, create_user, reset_shared_state


class PermissionMatrix:
    list_url: str | None = None  # None: the resource has no list endpoint
    detail_url: str = ""  # formatted with pk
    write_url: str | None = None  # defaults to detail_url
    write_method: str = "patch"
    write_payload: dict[str, Any] = {}
    write_action: str = "change"  # the object permission the write needs
    write_ok_status: tuple[int, ...] = (200, 201, 202, 204)
    audit_action: str = "update"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Only resources with a list get the list test: a skipped test would assert nothing.
        super().__init_subclass__(**kwargs)
        cls.test_list_holds_only_what_the_caller_may_see = PermissionMatrix._list_test if cls.list_url else None

    # --- hooks -------------------------------------------------------------------
    def make_object(self) -> Model:
        raise AssertionError("a PermissionMatrix subclass must define make_object()")

    def grant(self, user: Any, action: str, obj: Model) -> None:
        assign_perm(policy_for(type(obj)).codename(action), user, obj)

    # --- plumbing ------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def _matrix_setup(self, db):
        reset_shared_state()
        self.obj = self.make_object()
        self.other = self.make_object()
        self.user = create_user()

    def url(self, obj: Model) -> str:
        return self.detail_url.format(pk=obj.pk)

    def write(self, client: Any, obj: Model) -> Any:
        url = (self.write_url or self.detail_url).format(pk=obj.pk)
        return getattr(client, self.write_method)(url, self.write_payload, format="json")

    def audit_count(self, obj: Model) -> int:
        return AuditEvent.objects.filter(target_id=str(obj.pk), action=self.audit_action).count()

    # --- the matrix ----------------------------------------------------------------
    def test_anonymous_gets_401(self):
        anonymous = client_for(None)
        assert anonymous.get(self.url(self.obj)).status_code == 401
        assert self.write(anonymous, self.obj).status_code == 401
        if self.list_url:
            assert anonymous.get(self.list_url).status_code == 401

    def test_without_permission_everything_is_404(self):
        client = client_for(self.user)
        assert client.get(self.url(self.obj)).status_code == 404
        assert self.write(client, self.obj).status_code == 404
        assert self.audit_count(self.obj) == 0

    def test_view_only_may_read_but_write_is_403(self):
        self.grant(self.user, "view", self.obj)
        client = client_for(self.user)
        assert client.get(self.url(self.obj)).status_code == 200
        response = self.write(client, self.obj)
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"
        assert self.audit_count(self.obj) == 0

    def test_a_grant_on_one_object_does_not_open_another(self):
        self.grant(self.user, "view", self.obj)
        self.grant(self.user, self.write_action, self.obj)
        client = client_for(self.user)
        assert client.get(self.url(self.other)).status_code == 404
        assert self.write(client, self.other).status_code == 404

    def _list_test(self):
        client = client_for(self.user)
        assert client.get(self.list_url).json()["results"] == []
        self.grant(self.user, "view", self.obj)
        ids = [str(row["id"]) for row in client.get(self.list_url).json()["results"]]
        assert ids == [str(self.obj.pk)]

    def test_a_permitted_write_succeeds_and_is_audited(self):
        self.grant(self.user, "view", self.obj)
        self.grant(self.user, self.write_action, self.obj)
        response = self.write(client_for(self.user), self.obj)
        assert response.status_code in self.write_ok_status, response.content
        event = AuditEvent.objects.filter(target_id=str(self.obj.pk), action=self.audit_action).get()
        assert event.actor_id == str(self.user.pk)


class AgentChildMatrix(PermissionMatrix):
    """A resource under an agent (its beliefs, goals, keys, subscriptions), guarded by the agent's grants.

    ``make_object`` returns the agent. The child is audited as itself, not as the agent: the write's
    event is looked for by ``target_type`` (``agents.belief``) and action.
    """

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


class GrantedOnOrganizationMatrix(PermissionMatrix):
    """A resource whose grants are made on its organization (``obj.organization``), not on the object."""

    def grant(self, user, action, obj):
        assign_perm(f"{action}_organization", user, obj.organization)
