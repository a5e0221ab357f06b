"""Revocation needs no Redis: the session row in PostgreSQL is the truth, with Redis down and after it returns."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from accounts.models import UserSession
from auditlog.models import AuditEvent
from tests.support.api import PASSWORD, tokens_for

TOKEN_URL, REFRESH_URL = "/api/v1/auth/token/", "/api/v1/auth/token/refresh/"
LOGOUT_URL, ME_URL, SESSIONS = "/api/v1/auth/logout/", "/api/v1/auth/me/", "/api/v1/auth/sessions/"


@pytest.fixture
def cache_redis(private_redis, settings):
    """The Django cache ("last used" marks, anything else cached) on a Redis this test may stop."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    caches["default"].close()
    yield private_redis
    caches["default"].close()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def assert_refused(pair: dict) -> None:
    denied = bearer(pair["access"]).get(ME_URL)
    assert denied.status_code == 401 and denied.json()["code"] == "token_revoked", denied.content
    assert APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_logout_while_redis_is_down_succeeds_and_the_tokens_stay_refused(cache_redis, make_user):
    user = make_user()
    pair = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json").json()
    assert bearer(pair["access"]).get(ME_URL).status_code == 200
    cache_redis.stop()

    response = bearer(pair["access"]).post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204, response.content
    assert UserSession.objects.get(pk=pair["session_id"]).revoked_at is not None
    assert AuditEvent.objects.filter(action="logout", target_id=str(user.pk)).count() == 1
    assert_refused(pair)

    cache_redis.start()  # back, and it never heard of the logout
    assert_refused(pair)


def test_revoking_a_session_while_redis_is_down_succeeds_and_its_tokens_stay_refused(cache_redis, make_user):
    user = make_user()
    current, other = tokens_for(user), tokens_for(user)
    cache_redis.stop()

    response = bearer(current["access"]).delete(f"{SESSIONS}{other['sid']}/")
    assert response.status_code == 204, response.content
    assert AuditEvent.objects.filter(action="session_revoked", target_id=str(user.pk)).count() == 1
    assert_refused(other)
    assert bearer(current["access"]).get(ME_URL).status_code == 200

    cache_redis.start()
    assert_refused(other)
    assert bearer(current["access"]).get(ME_URL).status_code == 200


def test_revoke_all_while_redis_is_down_succeeds_and_every_other_session_stays_refused(cache_redis, make_user):
    user = make_user()
    others = [tokens_for(user) for _ in range(3)]
    current = tokens_for(user)
    cache_redis.stop()

    response = bearer(current["access"]).post(SESSIONS + "revoke-all/")
    assert response.status_code == 200 and response.json() == {"revoked": 3}, response.content
    for pair in others:
        assert_refused(pair)

    cache_redis.start()
    for pair in others:
        assert_refused(pair)
    assert bearer(current["access"]).get(ME_URL).status_code == 200


def test_a_session_revoked_in_the_database_alone_refuses_its_access_token(make_user):
    """Whatever the cache says or lost, the row decides: a revoked row's token is refused at once."""
    pair = tokens_for(make_user())
    assert bearer(pair["access"]).get(ME_URL).status_code == 200
    UserSession.objects.filter(pk=pair["sid"]).update(revoked_at="2026-01-01T00:00:00Z")
    assert_refused(pair)


def test_logout_ends_the_session_of_both_tokens_and_refuses_a_mixed_pair(make_user):
    """The access token dies with its session row, so logout takes the refresh token of that same session."""
    user = make_user()
    mine, other = tokens_for(user), tokens_for(user)
    response = bearer(mine["access"]).post(LOGOUT_URL, {"refresh": other["refresh"]}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert bearer(mine["access"]).get(ME_URL).status_code == 200
    assert bearer(other["access"]).get(ME_URL).status_code == 200
