"""/admin/password_change/: changing one's own password is audited and ends every other session."""

from __future__ import annotations

from django.test import Client

from accounts.models import UserSession
from auditlog.models import AuditEvent
from tests.support.api import PASSWORD, client_for, tokens_for

NEW_PASSWORD = "an entirely new passphrase 9"


def _login(user) -> Client:
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_own_password_change_in_the_admin_is_audited_and_revokes_the_older_sessions(make_user):
    me = make_user(is_staff=True)
    browser, other_browser = _login(me), _login(me)
    old_api = [tokens_for(me), tokens_for(me)]
    current = UserSession.objects.get(web_session_key=browser.session.session_key)
    before = set(UserSession.objects.filter(user=me).values_list("id", flat=True))
    assert len(before) == 4

    response = browser.post("/admin/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"].endswith("/admin/password_change/done/")

    me.refresh_from_db()
    assert me.check_password(NEW_PASSWORD)
    changed = AuditEvent.objects.filter(target_type="accounts.user", target_id=str(me.pk), action="update")
    assert changed.count() == 1
    assert changed.get().actor_id == str(me.pk) and changed.get().changes == {"password": ["[REDACTED]"] * 2}
    revoked = AuditEvent.objects.filter(target_id=str(me.pk), action="session_revoked")
    assert revoked.count() == 3 and set(revoked.values_list("actor_id", flat=True)) == {str(me.pk)}

    # The sessions from before the change are gone, from the list and in use; this browser goes on.
    fresh = tokens_for(me)
    listed = client_for().get("/api/v1/auth/sessions/?page_size=100",
                              HTTP_AUTHORIZATION=f"Bearer {fresh['access']}").json()["results"]
    assert {row["id"] for row in listed} == {str(current.id), fresh["sid"]}
    for pair in old_api:
        assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401
    assert other_browser.get("/admin/").status_code == 302  # back to the login page
    assert browser.get("/admin/").status_code == 200
    current.refresh_from_db()
    assert current.revoked_at is None and current.web_session_key == browser.session.session_key


def test_a_wrong_old_password_changes_nothing(make_user):
    me = make_user(is_staff=True)
    browser = _login(me)
    tokens_for(me)
    response = browser.post("/admin/password_change/", {
        "old_password": "not my password at all", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(target_id=str(me.pk), action__in=["update", "session_revoked"]).exists()
    assert UserSession.objects.filter(user=me, revoked_at__isnull=True).count() == 2


def test_own_password_on_the_user_page_is_sent_to_the_password_change_page(make_user):
    me = make_user(is_staff=True, is_superuser=True, roles=("administrator",))
    browser = _login(me)
    response = browser.post(f"/admin/accounts/user/{me.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302 and response["Location"].endswith("/admin/password_change/")
    me.refresh_from_db()
    assert me.check_password(PASSWORD)
    assert UserSession.objects.filter(user=me, revoked_at__isnull=True).count() == 1
    assert browser.get("/admin/").status_code == 200
