"""Brute force (django-axes) on the token endpoint and the admin login; password rules."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from auditlog.models import AuditEvent
from tests.support.api import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def attempt(api, username: str, password: str, ip: str = "198.51.100.7"):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def test_the_sixth_bad_password_gets_429_with_code_and_retry_after(api, make_user):
    user = make_user()
    statuses = [attempt(api, user.username, f"wrong password {i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    sixth = attempt(api, user.username, "wrong password 6")
    assert sixth.status_code == 429
    assert sixth.json()["code"] == "locked_out"
    assert 0 < int(sixth["Retry-After"]) <= 15 * 60
    # Locked means locked: the right password does not get in either, until the cool-off ends.
    assert attempt(api, user.username, PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(action="login_failed", target_id=str(user.pk)).count() >= 5
    assert AuditEvent.objects.filter(action="lockout", target_id=str(user.pk)).exists()


def test_lockout_is_per_username_and_ip(api, make_user):
    user, other = make_user(), make_user()
    for i in range(5):
        attempt(api, user.username, f"wrong {i}")
    assert attempt(api, user.username, PASSWORD).status_code == 429
    # Same user from another address, and another user behind the same address, are unaffected.
    assert attempt(api, user.username, PASSWORD, ip="203.0.113.9").status_code == 200
    assert attempt(api, other.username, PASSWORD).status_code == 200


def test_the_lock_lifts_after_the_cool_off(api, make_user):
    from datetime import timedelta

    from axes.models import AccessAttempt

    user = make_user()
    for i in range(5):
        attempt(api, user.username, f"wrong {i}")
    assert attempt(api, user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))
    assert attempt(api, user.username, PASSWORD).status_code == 200


def test_success_resets_the_failure_count(api, make_user):
    user = make_user()
    for i in range(4):
        attempt(api, user.username, f"wrong {i}")
    assert attempt(api, user.username, PASSWORD).status_code == 200
    for i in range(4):
        assert attempt(api, user.username, f"wrong again {i}").status_code == 401


def test_admin_login_shows_a_lockout_page(client, make_user):
    user = make_user(is_staff=True)
    for i in range(5):
        client.post("/admin/login/", {"username": user.username, "password": f"wrong {i}"})
    page = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert page.status_code == 429
    assert b"Too many failed login attempts" in page.content
    assert "text/html" in page["Content-Type"]


def test_admin_login_is_audited_and_recorded_as_a_web_session(client, make_user):
    from accounts.models import UserSession

    user = make_user(is_staff=True)
    response = client.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", target_id=str(user.pk)).exists()
    assert UserSession.objects.filter(user=user, kind="web", revoked_at__isnull=True).count() == 1


def test_client_ip_honours_trusted_proxies(api, make_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = make_user()
    for i in range(5):
        api.post(TOKEN_URL, {"username": user.username, "password": f"wrong {i}"}, format="json",
                 REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    # Another client behind the same proxy is not locked out with the first one.
    ok = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json",
                  REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert ok.status_code == 200
    locked = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json",
                      REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert locked.status_code == 429


def test_axes_is_the_first_backend_and_limits_come_from_env():
    assert settings.AUTHENTICATION_BACKENDS[0].startswith("axes.backends.")
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_argon2_hashes_new_passwords(make_user):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert make_user().password.startswith("argon2$")


@pytest.mark.parametrize(("password", "message"), [
    ("short1!", "too short"),
    ("password1234", "too common"),
    ("12345678901234567", "entirely numeric"),
    ("x" * 60 + "Q7!" * 30, "too long"),
])
def test_password_validators(password, message, make_user):
    with pytest.raises(ValidationError, match=message):
        validate_password(password, user=make_user())


def test_password_similar_to_the_user_is_refused(make_user):
    user = make_user(username="margarethamilton", email="margaret@example.com")
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("margarethamilton1", user=user)
    validate_password("plum orchard kettle 93", user=user)
