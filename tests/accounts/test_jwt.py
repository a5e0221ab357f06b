"""JWT: lifetimes, aud/iss/kid, fixed algorithm, rotation, logout, key rotation, revocation, audit."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt as pyjwt
import pytest
from django.test import override_settings

from auditlog.models import AuditEvent
from tests.support.api import PASSWORD, client_for, tokens_for

TOKEN_URL, REFRESH_URL = "/api/v1/auth/token/", "/api/v1/auth/token/refresh/"
LOGOUT_URL, ME_URL = "/api/v1/auth/logout/", "/api/v1/auth/me/"


def claims(token: str) -> dict:
    return pyjwt.decode(token, options={"verify_signature": False})


def bearer(api, access: str):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api


def obtain(api, user) -> dict:
    response = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_obtain_gives_tokens_with_the_configured_lifetimes_and_claims(api, make_user):
    user = make_user()
    pair = obtain(api, user)
    access, refresh = claims(pair["access"]), claims(pair["refresh"])
    # simplejwt dates the access token's expiry from its refresh token's clock and its iat from its own,
    # a moment later: the 30 minutes run from the refresh's iat (its iat may fall a second after it).
    assert access["exp"] - refresh["iat"] == 30 * 60
    assert 0 <= access["iat"] - refresh["iat"] <= 1
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    for c in (access, refresh):
        assert c["aud"] == "mabos-api" and c["iss"] == "mabos"
        assert c["user_id"] == str(user.pk) and c["sid"] == pair["session_id"]
    header = pyjwt.get_unverified_header(pair["access"])
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "dev"}
    assert AuditEvent.objects.filter(action="login", target_id=str(user.pk)).count() == 1
    me = bearer(api, pair["access"]).get(ME_URL).json()
    assert me["username"] == user.username and me["roles"] == []


def test_tokens_are_not_signed_with_secret_key(api, make_user):
    from django.conf import settings

    pair = obtain(api, make_user())
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(pair["access"], settings.SECRET_KEY, algorithms=["HS256"], audience="mabos-api")


def test_wrong_password_is_a_401_and_audited(api, make_user):
    user = make_user()
    response = api.post(TOKEN_URL, {"username": user.username, "password": "not the password"}, format="json")
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_credentials", "detail": "No active account with these credentials."}
    assert AuditEvent.objects.filter(action="login_failed", target_id=str(user.pk)).exists()


def test_inactive_user_cannot_obtain(api, make_user):
    user = make_user(is_active=False)
    response = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 401


def test_refresh_rotates_and_a_used_refresh_token_is_refused(api, make_user):
    user = make_user()
    pair = obtain(api, user)
    rotated = api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh"] != pair["refresh"] and claims(new["refresh"])["sid"] == pair["session_id"]
    again = api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401 and again.json()["code"] == "token_revoked"
    # Reuse of a rotated token means it was stolen: the whole session ends.
    assert api.post(REFRESH_URL, {"refresh": new["refresh"]}, format="json").status_code == 401
    assert bearer(api, new["access"]).get(ME_URL).status_code == 401
    assert AuditEvent.objects.filter(action="token_refresh").count() == 1
    assert AuditEvent.objects.filter(action="session_revoked").count() == 1


def test_logout_kills_the_access_token_at_once_and_the_refresh_token(api, make_user):
    user = make_user()
    pair = obtain(api, user)
    bearer(api, pair["access"])
    assert api.get(ME_URL).status_code == 200
    assert api.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json").status_code == 204
    denied = api.get(ME_URL)
    assert denied.status_code == 401 and denied.json()["code"] == "token_revoked"
    api.credentials()
    assert api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert AuditEvent.objects.filter(action="logout", target_id=str(user.pk)).count() == 1


def test_logout_with_someone_elses_refresh_token_is_refused(make_user):
    mine, theirs = make_user(), make_user()
    their_tokens = tokens_for(theirs)
    response = client_for(mine).post(LOGOUT_URL, {"refresh": their_tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert client_for(theirs).get(ME_URL).status_code == 200


def test_refresh_token_used_as_access_token_and_the_reverse(api, make_user):
    pair = tokens_for(make_user())
    response = bearer(api, pair["refresh"]).get(ME_URL)
    assert response.status_code == 401 and response.json()["code"] == "token_wrong_type"
    api.credentials()
    response = api.post(REFRESH_URL, {"refresh": pair["access"]}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "token_wrong_type"
    assert AuditEvent.objects.filter(action="auth_failed").count() == 2


def _forge(payload: dict, key: str, kid: str = "dev", alg: str = "HS256") -> str:
    return pyjwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def _valid_payload(user, **over) -> dict:
    now = int(time.time())
    payload = {"token_type": "access", "exp": now + 600, "iat": now, "jti": uuid.uuid4().hex,
               "user_id": str(user.pk), "sid": str(uuid.uuid4()), "aud": "mabos-api", "iss": "mabos"}
    from rest_framework_simplejwt.utils import get_md5_hash_password

    payload["hash_password"] = get_md5_hash_password(user.password)
    payload.update(over)
    return payload


def _dev_key() -> str:
    from django.conf import settings

    return settings.MABOS_JWT_SIGNING_KEYS["dev"]


@pytest.mark.parametrize(("case", "code"), [
    ("expired", "token_expired"),
    ("wrong_audience", "token_invalid"),
    ("wrong_issuer", "token_invalid"),
    ("tampered", "token_invalid"),
    ("alg_none", "token_invalid"),
    ("unknown_kid", "token_invalid"),
    ("no_jti", "token_invalid"),
    ("garbage", "token_invalid"),
])
def test_bad_tokens_get_a_precise_401_and_are_audited(api, make_user, case, code):
    user = make_user()
    key = _dev_key()
    if case == "expired":
        token = _forge(_valid_payload(user, exp=int(time.time()) - 5, iat=int(time.time()) - 1805), key)
    elif case == "wrong_audience":
        token = _forge(_valid_payload(user, aud="someone-else"), key)
    elif case == "wrong_issuer":
        token = _forge(_valid_payload(user, iss="evil"), key)
    elif case == "tampered":
        good = _forge(_valid_payload(user), key)
        head, body, sig = good.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=="))
        payload["user_id"] = "999999"
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        token = f"{head}.{body}.{sig}"
    elif case == "alg_none":
        token = pyjwt.encode(_valid_payload(user), None, algorithm="none", headers={"kid": "dev"})
    elif case == "unknown_kid":
        token = _forge(_valid_payload(user), key, kid="retired")
    elif case == "no_jti":
        payload = _valid_payload(user)
        payload.pop("jti")
        token = _forge(payload, key)
    else:
        token = "not.a.jwt"
    response = bearer(api, token).get(ME_URL)
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == code and set(body) == {"code", "detail"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(action="auth_failed").count() == 1


def test_key_rotation_new_key_signs_old_key_still_verifies(api, make_user, settings):
    user = make_user()
    old_pair = tokens_for(user)
    settings.MABOS_JWT_SIGNING_KEYS = {"dev": _dev_key(), "2026b": "n" * 20 + "E" * 20}
    new_pair = tokens_for(user)
    assert pyjwt.get_unverified_header(new_pair["access"])["kid"] == "2026b"
    assert bearer(api, old_pair["access"]).get(ME_URL).status_code == 200
    assert bearer(api, new_pair["access"]).get(ME_URL).status_code == 200
    settings.MABOS_JWT_SIGNING_KEYS = {"2026b": "n" * 20 + "E" * 20}  # the old key retired
    assert bearer(api, old_pair["access"]).get(ME_URL).status_code == 401
    assert bearer(api, new_pair["access"]).get(ME_URL).status_code == 200


def test_password_change_revokes_every_session(api, make_user):
    from accounts.services import user_password_set

    user = make_user()
    pair = tokens_for(user)
    user_password_set(user=user, password="a brand new passphrase 77", by=user)
    assert bearer(api, pair["access"]).get(ME_URL).status_code == 401
    api.credentials()
    assert api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_disabling_a_user_revokes_every_session(api, make_user):
    from accounts.services import user_active_set

    user = make_user()
    pairs = [tokens_for(user), tokens_for(user)]
    user_active_set(user=user, active=False, by=None)
    for pair in pairs:
        assert bearer(api, pair["access"]).get(ME_URL).status_code == 401
        api.credentials()
        assert api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert AuditEvent.objects.filter(action="session_revoked").count() == 2


@override_settings(AXES_FAILURE_LIMIT=5)
def test_token_endpoint_payload_is_capped(api, make_user):
    user = make_user()
    response = api.post(TOKEN_URL, {"username": user.username, "password": "x" * 129}, format="json")
    assert response.status_code == 400 and "password" in response.json()["fields"]
