"""A signed token with a nonsensical claim is a 401, never a 500 (only a key holder can make one)."""

from __future__ import annotations

import time
import uuid

import jwt as pyjwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from auditlog.models import AuditEvent
from tests.support.api import tokens_for

REFRESH_URL, LOGOUT_URL, ME_URL = "/api/v1/auth/token/refresh/", "/api/v1/auth/logout/", "/api/v1/auth/me/"


def _signed(user, **claims) -> str:
    now = int(time.time())
    payload = {"token_type": "access", "exp": now + 600, "iat": now, "jti": uuid.uuid4().hex,
               "user_id": str(user.pk), "sid": tokens_for(user)["sid"], "aud": "mabos-api", "iss": "mabos",
               "hash_password": get_md5_hash_password(user.password), **claims}
    return pyjwt.encode(payload, settings.MABOS_JWT_SIGNING_KEYS["dev"], algorithm="HS256", headers={"kid": "dev"})


@pytest.mark.parametrize("claims", [{"user_id": "not-a-number"}, {"user_id": ["1"]}, {"sid": "not-a-uuid"},
                                    {"sid": 12}])
def test_a_signed_access_token_with_a_nonsensical_claim_is_a_401(api, make_user, claims):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {_signed(make_user(), **claims)}")
    response = api.get(ME_URL)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "token_invalid"
    assert AuditEvent.objects.filter(action="auth_failed").count() == 1


@pytest.mark.parametrize("claims", [{"user_id": "not-a-number"}, {"user_id": ["1"]}, {"sid": "not-a-uuid"},
                                    {"sid": 12}])
def test_a_signed_refresh_token_with_a_nonsensical_claim_is_a_401(api, make_user, claims):
    response = api.post(REFRESH_URL, {"refresh": _signed(make_user(), token_type="refresh", **claims)},
                        format="json")
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "token_invalid"


def test_logout_with_a_refresh_token_naming_a_nonsensical_session_is_a_401(api, make_user):
    user = make_user()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    response = api.post(LOGOUT_URL, {"refresh": _signed(user, token_type="refresh", sid="not-a-uuid")},
                        format="json")
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "token_invalid"
