"""Roles from the data migration; admin doors into the same services."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group

from accounts.models import UserSession
from accounts.roles import ROLE_PERMISSIONS, ROLES, is_administrator, role_permissions_sync
from auditlog.models import AuditEvent
from tests.support.api import PASSWORD, client_for, tokens_for


def perms_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_four_roles_exist_with_their_permissions(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    for role in ROLES:  # later migrations (agents) extend the roles; nothing is ever taken away
        assert perms_of(role) >= set(ROLE_PERMISSIONS[role])
    assert perms_of("auditor") == {"auditlog.view_auditevent"}
    assert perms_of("viewer") == set()
    assert perms_of("operator") == {"agents.add_organization"}  # operators onboard; grants do the rest
    assert {"agents.change_agent", "agents.operate_organization"} <= perms_of("administrator")
    assert {"accounts.change_user", "auth.change_group", "guardian.add_userobjectpermission"} <= perms_of(
        "administrator")


def test_role_sync_is_idempotent(db):
    before = {role: perms_of(role) for role in ROLES}
    role_permissions_sync(apps, ROLE_PERMISSIONS)
    role_permissions_sync(apps, ROLE_PERMISSIONS)
    assert {role: perms_of(role) for role in ROLES} == before
    assert Group.objects.filter(name__in=ROLES).count() == 4
    # Run on the real registry it leaves every app as it found it, so post_migrate (after a flush, say)
    # still creates permission rows.
    assert all(config.models_module is not None for config in apps.get_app_configs() if config.models)


def test_administrator_role_and_superuser_are_administrators(make_user):
    assert is_administrator(make_user(roles=("administrator",)))
    assert is_administrator(make_user(is_superuser=True))
    assert not is_administrator(make_user(roles=("operator", "auditor", "viewer")))


def test_auditor_can_only_read_the_audit_trail(make_user):
    auditor = make_user(roles=("auditor",))
    assert auditor.has_perm("auditlog.view_auditevent")
    assert not auditor.has_perm("accounts.view_user") and not auditor.has_perm("auth.change_group")


def test_first_admin_gets_the_administrator_role(db):
    from accounts.services import admin_ensure

    user, password = admin_ensure(username="boss", password="a long enough passphrase 1")
    assert password and list(user.groups.values_list("name", flat=True)) == ["administrator"]


def _admin_client(client, make_user):
    admin = make_user(is_staff=True, is_superuser=True, roles=("administrator",))
    client.force_login(admin)
    return admin


def test_admin_password_change_revokes_sessions_and_is_audited(client, make_user):
    _admin_client(client, make_user)
    victim = make_user()
    pair = tokens_for(victim)
    response = client.post(f"/admin/accounts/user/{victim.pk}/password/",
                           {"password1": "a whole new passphrase 5", "password2": "a whole new passphrase 5",
                            "usable_password": "true"})
    assert response.status_code == 302, response.content[:2000]
    assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401
    assert UserSession.objects.get(user=victim).revoked_at is not None
    assert AuditEvent.objects.filter(action="session_revoked", target_id=str(victim.pk)).exists()


def test_admin_disabling_a_user_revokes_sessions(client, make_user):
    admin = _admin_client(client, make_user)
    victim = make_user()
    tokens_for(victim)
    from accounts.services import user_active_set

    user_active_set(user=victim, active=False, by=admin)
    assert not UserSession.objects.filter(user=victim, revoked_at__isnull=True).exists()


def test_admin_revokes_another_users_sessions(client, make_user):
    _admin_client(client, make_user)
    victim = make_user()
    pair = tokens_for(victim)
    session = UserSession.objects.get(user=victim)
    response = client.post("/admin/accounts/usersession/", {"action": "revoke", "_selected_action": [session.pk]})
    assert response.status_code == 302
    assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401
    assert AuditEvent.objects.filter(action="session_revoked", target_id=str(victim.pk)).count() == 1


def test_admin_login_page_works(client, make_user):
    user = make_user(is_staff=True, is_superuser=True)
    assert client.get("/admin/login/").status_code == 200
    assert client.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200
