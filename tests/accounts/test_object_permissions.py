"""Object permissions: direct, group, parent and role grants; lists, details, admin and the grant API.

Proven on the test-only app tests/objperm (Box holds Widgets), with the same
permission matrix every domain resource uses.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import assign_perm

from accounts.object_permissions import has_object_permission, objects_for_user
from accounts.roles import ADMINISTRATOR
from auditlog.models import AuditEvent
from tests.objperm.models import Box, Widget
from tests.support.api import client_for, create_user
from tests.support.permission_matrix import PermissionMatrix

pytestmark = pytest.mark.urls("tests.objperm.urls")


def make_widget(name: str = "w", box: Box | None = None) -> Widget:
    return Widget.objects.create(name=name, box=box or Box.objects.create(name=f"box of {name}"))


class TestWidgetPermissions(PermissionMatrix):
    list_url = "/api/v1/test/widgets/"
    detail_url = "/api/v1/test/widgets/{pk}/"
    write_payload = {"name": "renamed"}

    def make_object(self):
        return make_widget()


@pytest.mark.django_db
class TestCoverage:
    def test_a_grant_on_the_parent_covers_its_children(self):
        user, box = create_user(), Box.objects.create(name="b")
        inside, outside = make_widget("in", box), make_widget("out")
        assign_perm("view_box", user, box)
        assert list(objects_for_user(user, Widget.objects.all())) == [inside]
        assert has_object_permission(user, "view", inside)
        assert not has_object_permission(user, "view", outside)
        assert not has_object_permission(user, "operate", inside)
        assign_perm("operate_box", user, box)
        assert has_object_permission(user, "operate", inside)

    def test_group_grants_count_for_members(self):
        user, widget = create_user(), make_widget()
        team = Group.objects.create(name="team")
        assign_perm("change_widget", team, widget)
        assert not has_object_permission(user, "change", widget)
        user.groups.add(team)
        user = type(user).objects.get(pk=user.pk)  # permission caches are per instance
        assert has_object_permission(user, "change", widget)

    def test_model_permission_through_a_role_sees_everything(self):
        user, widgets = create_user(), [make_widget("a"), make_widget("b")]
        assert objects_for_user(user, Widget.objects.all()).count() == 0
        role = Group.objects.get(name=ADMINISTRATOR)
        role.permissions.add(Permission.objects.get(codename="view_widget"))
        user.groups.add(role)
        user = type(user).objects.get(pk=user.pk)
        assert set(objects_for_user(user, Widget.objects.all())) == set(widgets)

    def test_inactive_and_anonymous_see_nothing(self):
        from django.contrib.auth.models import AnonymousUser

        user, widget = create_user(is_active=False), make_widget()
        assign_perm("view_widget", user, widget)
        assert objects_for_user(user, Widget.objects.all()).count() == 0
        assert objects_for_user(AnonymousUser(), Widget.objects.all()).count() == 0
        assert not has_object_permission(AnonymousUser(), "view", widget)

    def test_operate_is_403_for_a_viewer_and_allowed_for_an_operator(self):
        user, widget = create_user(), make_widget()
        assign_perm("view_widget", user, widget)
        client = client_for(user)
        assert client.post(f"/api/v1/test/widgets/{widget.pk}/operate/").status_code == 403
        assign_perm("operate_box", user, widget.box)
        assert client.post(f"/api/v1/test/widgets/{widget.pk}/operate/").status_code == 200

    def test_malformed_ids_are_404(self):
        client = client_for(create_user())
        assert client.get("/api/v1/test/widgets/99999999/").status_code == 404


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_the_page(django_assert_max_num_queries):
    user, box = create_user(), Box.objects.create(name="b")
    assign_perm("view_box", user, box)
    client = client_for(user)
    Widget.objects.bulk_create([Widget(box=box, name=f"w{i}") for i in range(5)])
    with django_assert_max_num_queries(12) as few:
        assert client.get("/api/v1/test/widgets/?page_size=100").status_code == 200
    Widget.objects.bulk_create([Widget(box=box, name=f"x{i}") for i in range(60)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/test/widgets/?page_size=100")
    assert response.json()["count"] == 65


@pytest.mark.django_db
class TestAdminFiltering:
    def staff(self):
        user = create_user(is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(codename__in=["change_widget", "add_widget"]))
        return user

    def test_changelist_and_change_page_show_only_granted_objects(self, client):
        user, mine, theirs = self.staff(), make_widget("mine"), make_widget("theirs")
        assign_perm("view_widget", user, mine)
        client.force_login(user)
        page = client.get("/admin/objperm/widget/").content.decode()
        assert "mine" in page
        assert "theirs" not in page
        assert client.get(f"/admin/objperm/widget/{theirs.pk}/change/").status_code in (302, 404)

    def test_foreign_key_dropdown_lists_only_visible_parents(self, client):
        user = create_user(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="add_widget"))
        visible = Box.objects.create(name="visible-box")
        Box.objects.create(name="hidden-box")
        assign_perm("view_box", user, visible)
        client.force_login(user)
        form = client.get("/admin/objperm/widget/add/").content.decode()
        assert "visible-box" in form
        assert "hidden-box" not in form


@pytest.mark.django_db
class TestGrantApi:
    def body(self, widget, **extra):
        return {"object_type": "objperm.widget", "object_id": str(widget.pk), "permission": "view", **extra}

    def test_administrator_grants_and_revokes_with_audit(self):
        admin, user, widget = create_user(roles=(ADMINISTRATOR,)), create_user(), make_widget()
        api = client_for(admin)
        response = api.post("/api/v1/permissions/", self.body(widget, user=user.username), format="json")
        assert response.status_code == 201, response.content
        assert has_object_permission(user, "view", widget)
        assert api.post("/api/v1/permissions/", self.body(widget, user=user.username), format="json").status_code == 200
        grants = api.get(f"/api/v1/permissions/?object_type=objperm.widget&object_id={widget.pk}").json()
        assert grants["results"] == [{"holder_type": "user", "holder": user.username, "permission": "view"}]

        assert api.post("/api/v1/permissions/revoke/", self.body(widget, user=user.username),
                        format="json").status_code == 204
        user = type(user).objects.get(pk=user.pk)
        assert not has_object_permission(user, "view", widget)
        assert api.post("/api/v1/permissions/revoke/", self.body(widget, user=user.username),
                        format="json").status_code == 404
        events = AuditEvent.objects.filter(target_id=str(widget.pk)).values_list("action", flat=True)
        assert sorted(events) == ["permission_granted", "permission_revoked"]

    def test_group_grant(self):
        admin, widget = create_user(roles=(ADMINISTRATOR,)), make_widget()
        team = Group.objects.create(name="ops-team")
        response = client_for(admin).post("/api/v1/permissions/", self.body(widget, group="ops-team"), format="json")
        assert response.status_code == 201
        assert response.json() == {"holder_type": "group", "holder": "ops-team", "permission": "view"}
        member = create_user()
        member.groups.add(team)
        assert has_object_permission(member, "view", widget)

    def test_non_administrators_are_refused(self):
        user, widget = create_user(), make_widget()
        response = client_for(user).post("/api/v1/permissions/", self.body(widget, user=user.username), format="json")
        assert response.status_code == 403
        assert not has_object_permission(user, "view", widget)
        assert client_for(None).get("/api/v1/permissions/").status_code == 401

    @pytest.mark.parametrize(("change", "field"), [
        ({"object_type": "auth.user"}, "object_type"),
        ({"object_type": "nope"}, "object_type"),
        ({"object_id": "424242"}, "object_id"),
        ({"object_id": "not-a-number"}, "object_id"),
        ({"permission": "own"}, "permission"),
        ({"user": "ghost"}, "user"),
        ({"group": "ghosts"}, "group"),
        ({"user": None}, "user"),
        ({"colour": "red"}, "colour"),
    ])
    def test_bad_input_is_a_400_naming_the_field(self, change, field):
        admin, user, widget = create_user(roles=(ADMINISTRATOR,)), create_user(), make_widget()
        body = {**self.body(widget, user=user.username), **change}
        body = {k: v for k, v in body.items() if v is not None}
        if field == "group":
            body.pop("user")
        response = client_for(admin).post("/api/v1/permissions/", body, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()["fields"]
        assert not AuditEvent.objects.filter(action="permission_granted").exists()
