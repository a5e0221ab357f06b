"""The admin's user pages write through accounts.services.users: every add, change and delete is one event."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import User, UserSession
from auditlog.models import AuditEvent
from tests.support.api import client_for, tokens_for


def _admin(client, make_user) -> User:
    admin = make_user(is_staff=True, is_superuser=True, roles=("administrator",))
    client.force_login(admin)
    return admin


def _events(user: User, action: str):
    return AuditEvent.objects.filter(target_type="accounts.user", target_id=str(user.pk), action=action)


def change_form(user: User, **overrides) -> dict:
    """The user change page as the browser posts it (checkboxes present only when ticked)."""
    joined = timezone.localtime(user.date_joined)
    data = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "groups": [str(g.pk) for g in user.groups.all()],
            "user_permissions": [str(p.pk) for p in user.user_permissions.all()],
            "date_joined_0": joined.strftime("%Y-%m-%d"), "date_joined_1": joined.strftime("%H:%M:%S"),
            "last_login_0": "", "last_login_1": ""}
    flags = {"is_active": user.is_active, "is_staff": user.is_staff, "is_superuser": user.is_superuser}
    flags.update({k: overrides.pop(k) for k in list(overrides) if k in flags})
    data.update({name: "on" for name, ticked in flags.items() if ticked})
    data.update(overrides)
    return data


def test_adding_a_user_in_the_admin_is_audited_once(client, make_user):
    admin = _admin(client, make_user)
    response = client.post("/admin/accounts/user/add/", {
        "username": "newcomer", "usable_password": "true",
        "password1": "a fresh long passphrase 7", "password2": "a fresh long passphrase 7"})
    assert response.status_code == 302, response.content[:3000]
    user = User.objects.get(username="newcomer")
    assert user.check_password("a fresh long passphrase 7")
    event = _events(user, "create").get()
    assert event.actor_id == str(admin.pk) and event.actor_type == "user"
    assert event.changes["username"] == [None, "newcomer"]
    assert event.changes["is_superuser"] == [None, False] and event.changes["password"] == [None, "[REDACTED]"]
    assert _events(user, "update").count() == 0


def test_granting_staff_superuser_groups_and_permissions_in_the_admin_is_one_audited_event(client, make_user):
    admin = _admin(client, make_user)
    target = make_user(roles=("viewer",))
    operator = Group.objects.get(name="operator")
    perm = Permission.objects.get(content_type__app_label="auditlog", codename="view_auditevent")
    form = change_form(target, is_staff=True, is_superuser=True, groups=[str(operator.pk)],
                       user_permissions=[str(perm.pk)])
    response = client.post(f"/admin/accounts/user/{target.pk}/change/", form)
    assert response.status_code == 302, response.content[:3000]
    target.refresh_from_db()
    assert target.is_staff and target.is_superuser
    assert list(target.groups.values_list("name", flat=True)) == ["operator"]
    event = _events(target, "update").get()
    assert event.actor_id == str(admin.pk)
    assert event.changes == {"is_staff": [False, True], "is_superuser": [False, True],
                             "groups": [["viewer"], ["operator"]],
                             "user_permissions": [[], ["auditlog.view_auditevent"]]}


def test_saving_an_unchanged_user_in_the_admin_records_nothing(client, make_user):
    _admin(client, make_user)
    target = make_user(roles=("viewer",))
    response = client.post(f"/admin/accounts/user/{target.pk}/change/", change_form(target))
    assert response.status_code == 302, response.content[:3000]
    assert _events(target, "update").count() == 0


def test_disabling_a_user_in_the_admin_is_audited_and_revokes_their_sessions(client, make_user):
    admin = _admin(client, make_user)
    victim = make_user()
    pair = tokens_for(victim)
    response = client.post(f"/admin/accounts/user/{victim.pk}/change/", change_form(victim, is_active=False))
    assert response.status_code == 302, response.content[:3000]
    event = _events(victim, "update").get()
    assert event.changes == {"is_active": [True, False]} and event.actor_id == str(admin.pk)
    revoked = _events(victim, "session_revoked")
    assert revoked.count() == 1 and revoked.get().actor_id == str(admin.pk)
    assert not UserSession.objects.filter(user=victim, revoked_at__isnull=True).exists()
    assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401


def test_deleting_users_in_the_admin_is_audited(client, make_user):
    admin = _admin(client, make_user)
    one, two = make_user(roles=("operator",)), make_user()
    response = client.post(f"/admin/accounts/user/{one.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    response = client.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [two.pk],
                                                     "post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[one.pk, two.pk]).exists()
    for gone in (one, two):
        event = _events(gone, "delete").get()
        assert event.actor_id == str(admin.pk) and event.changes["username"] == [gone.username, None]
    assert _events(one, "delete").get().changes["groups"] == [["operator"], None]
