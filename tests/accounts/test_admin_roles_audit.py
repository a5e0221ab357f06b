"""The admin's role (auth.Group) pages write through accounts.services.groups: role permissions are audited."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from auditlog.models import AuditEvent


def _admin(client, make_user):
    admin = make_user(is_staff=True, is_superuser=True, roles=("administrator",))
    client.force_login(admin)
    return admin


def _perm(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _events(group: Group, action: str | None = None):
    events = AuditEvent.objects.filter(target_type="auth.group", target_id=str(group.pk))
    return events.filter(action=action) if action else events


def test_adding_a_role_in_the_admin_is_audited_with_its_permissions(client, make_user):
    admin = _admin(client, make_user)
    response = client.post("/admin/auth/group/add/", {
        "name": "support", "permissions": [str(_perm("auditlog.view_auditevent").pk)]})
    assert response.status_code == 302, response.content[:3000]
    group = Group.objects.get(name="support")
    event = _events(group).get()
    assert event.action == "create" and event.actor_id == str(admin.pk)
    assert event.changes == {"name": [None, "support"], "permissions": [None, ["auditlog.view_auditevent"]]}


def test_changing_a_roles_permissions_in_the_admin_is_audited_as_grant_and_revoke(client, make_user):
    admin = _admin(client, make_user)
    group = Group.objects.create(name="support")
    group.permissions.set([_perm("auditlog.view_auditevent")])
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {
        "name": "support", "permissions": [str(_perm("accounts.view_user").pk)]})
    assert response.status_code == 302, response.content[:3000]
    assert {p.codename for p in group.permissions.all()} == {"view_user"}
    granted, revoked = _events(group, "permission_granted").get(), _events(group, "permission_revoked").get()
    assert granted.actor_id == revoked.actor_id == str(admin.pk)
    assert granted.changes == {"permissions": [["auditlog.view_auditevent"],
                                               ["accounts.view_user", "auditlog.view_auditevent"]]}
    assert revoked.changes == {"permissions": [["accounts.view_user", "auditlog.view_auditevent"],
                                               ["accounts.view_user"]]}
    assert _events(group).count() == 2


def test_a_builtin_roles_permissions_are_audited_and_its_name_is_kept(client, make_user):
    _admin(client, make_user)
    operator = Group.objects.get(name="operator")
    held = [str(pk) for pk in operator.permissions.values_list("pk", flat=True)]
    response = client.post(f"/admin/auth/group/{operator.pk}/change/", {
        "name": "renamed", "permissions": [*held, str(_perm("auditlog.view_auditevent").pk)]})
    assert response.status_code == 302, response.content[:3000]
    operator.refresh_from_db()
    assert operator.name == "operator"
    assert operator.permissions.filter(codename="view_auditevent").exists()
    event = _events(operator).get()
    assert event.action == "permission_granted" and "auditlog.view_auditevent" in event.changes["permissions"][1]


def test_deleting_roles_in_the_admin_is_audited_and_builtin_roles_stay(client, make_user):
    admin = _admin(client, make_user)
    support = Group.objects.create(name="support")
    member = make_user()
    member.groups.add(support)
    viewer = Group.objects.get(name="viewer")
    refused = client.post("/admin/auth/group/", {"action": "delete_selected", "post": "yes",
                                                 "_selected_action": [support.pk, viewer.pk]})
    assert refused.status_code == 403 and Group.objects.filter(pk=support.pk).exists()
    response = client.post("/admin/auth/group/", {"action": "delete_selected", "post": "yes",
                                                  "_selected_action": [support.pk]})
    assert response.status_code == 302
    assert not Group.objects.filter(pk=support.pk).exists() and Group.objects.filter(name="viewer").exists()
    event = _events(support).get()
    assert event.action == "delete" and event.actor_id == str(admin.pk)
    assert event.changes["members"] == [[member.username], None]
    assert client.post(f"/admin/auth/group/{viewer.pk}/delete/", {"post": "yes"}).status_code == 403
