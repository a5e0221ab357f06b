"""JWTs signed with a rotatable key ring, never with SECRET_KEY.

``JWT_SIGNING_KEYS`` is an ordered list of ``id=key`` pairs. New tokens are
signed with the last key and carry its id as the ``kid`` header; tokens are
verified with whichever listed key their ``kid`` names. Rotating is: append a
new key, deploy, wait one refresh lifetime, drop the old key.

The algorithm is fixed (HS256): the header's ``alg`` is never trusted, so
``alg: none`` and algorithm-confusion tokens are refused. ``aud``, ``iss``,
``exp``, ``iat`` and ``jti`` are required.

Every refusal carries a stable ``code`` (token_expired, token_invalid,
token_wrong_type, token_revoked ...) so the API can answer precisely.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework_simplejwt import tokens as jwt_tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

ALGORITHM = "HS256"
SESSION_CLAIM = "sid"
REQUIRED_CLAIMS = ("exp", "iat", "jti", "aud", "iss", "token_type")


class TokenRefused(TokenError):
    """A token was refused; ``code`` says why in a word the client can act on."""

    def __init__(self, detail: str, code: str = "token_invalid"):
        super().__init__(detail)
        self.code = code


class _BackendRefused(TokenBackendError):
    def __init__(self, detail: str, code: str):
        super().__init__(detail)
        self.code = code


class KeyRingTokenBackend(TokenBackend):
    """Signs with the newest key (``kid`` header), verifies with the key the ``kid`` names."""

    def __init__(self, keys: dict[str, str], *, audience: str, issuer: str, leeway: Any = 0):
        if not keys:
            raise TokenBackendError("JWT_SIGNING_KEYS is empty")
        self.keys = dict(keys)
        self.kid = list(self.keys)[-1]
        super().__init__(ALGORITHM, self.keys[self.kid], "", audience, issuer, None, leeway, None)

    def encode(self, payload: dict[str, Any]) -> str:
        claims = {**payload, "aud": self.audience, "iss": self.issuer}
        return jwt.encode(claims, self.keys[self.kid], algorithm=ALGORITHM, headers={"kid": self.kid})

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise _BackendRefused("Token is malformed.", "token_invalid") from exc
        if header.get("alg") != ALGORITHM:
            raise _BackendRefused("Token algorithm is not accepted.", "token_invalid")
        key = self.keys.get(header.get("kid"))
        if key is None:
            raise _BackendRefused("Token was signed with an unknown or retired key.", "token_invalid")
        try:
            return jwt.decode(
                token, key, algorithms=[ALGORITHM], audience=self.audience, issuer=self.issuer,
                leeway=self.get_leeway(),
                options={"verify_signature": verify, "require": list(REQUIRED_CLAIMS) if verify else []},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken("Token is expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise _BackendRefused("Token is not meant for this API (audience).", "token_invalid") from exc
        except jwt.InvalidIssuerError as exc:
            raise _BackendRefused("Token was not issued by this API (issuer).", "token_invalid") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise _BackendRefused(f"Token lacks the {exc.claim} claim.", "token_invalid") from exc
        except jwt.InvalidSignatureError as exc:
            raise _BackendRefused("Token signature is invalid.", "token_invalid") from exc
        except jwt.InvalidTokenError as exc:
            raise _BackendRefused("Token is invalid.", "token_invalid") from exc


@cache
def key_ring() -> KeyRingTokenBackend:
    jwt_conf = settings.SIMPLE_JWT
    return KeyRingTokenBackend(settings.MABOS_JWT_SIGNING_KEYS, audience=jwt_conf["AUDIENCE"],
                               issuer=jwt_conf["ISSUER"], leeway=jwt_conf.get("LEEWAY", 0))


@receiver(setting_changed)
def _forget_key_ring(*, setting: str, **kwargs: Any) -> None:
    if setting in ("MABOS_JWT_SIGNING_KEYS", "SIMPLE_JWT"):
        key_ring.cache_clear()


class _KeyRingToken:
    """Mixin: the key ring instead of simplejwt's single-key backend, and coded refusals."""

    token_type: str

    @property
    def token_backend(self) -> TokenBackend:
        return key_ring()

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        try:
            super().__init__(token, verify)  # type: ignore[call-arg]
        except TokenRefused:
            raise
        except jwt_tokens.ExpiredTokenError as exc:
            raise TokenRefused("Token is expired.", "token_expired") from exc
        except TokenError as exc:
            cause = exc.__cause__
            if isinstance(cause, TokenBackendExpiredToken):
                raise TokenRefused("Token is expired.", "token_expired") from exc
            if isinstance(cause, _BackendRefused):
                raise TokenRefused(str(cause.args[0]), cause.code) from exc
            message = str(exc.args[0]) if exc.args else "Token is invalid."
            code = "token_expired" if "expired" in message else "token_invalid"
            raise TokenRefused(message, code) from exc

    def verify_token_type(self) -> None:
        if self.payload.get(api_settings.TOKEN_TYPE_CLAIM) != self.token_type:  # type: ignore[attr-defined]
            raise TokenRefused(f"This is not an {self.token_type} token.", "token_wrong_type")


class AccessToken(_KeyRingToken, jwt_tokens.AccessToken):
    """Short-lived bearer token (JWT_ACCESS_LIFETIME_MINUTES)."""


class RefreshToken(_KeyRingToken, jwt_tokens.RefreshToken):
    """Long-lived token (JWT_REFRESH_LIFETIME_DAYS); used once, then blacklisted (rotation)."""

    access_token_class = AccessToken

    def check_blacklist(self) -> None:
        if BlacklistedToken.objects.filter(token__jti=self.payload[api_settings.JTI_CLAIM]).exists():
            raise TokenRefused("Token has been revoked.", "token_revoked")


def refresh_token_issue(*, user: Any, session_id: uuid.UUID) -> RefreshToken:
    """A new refresh token of one session, recorded as outstanding so it can be blacklisted."""
    token = RefreshToken()
    token[api_settings.USER_ID_CLAIM] = str(getattr(user, api_settings.USER_ID_FIELD))
    token[SESSION_CLAIM] = str(session_id)
    token[api_settings.REVOKE_TOKEN_CLAIM] = get_md5_hash_password(user.password)
    OutstandingToken.objects.create(
        user=user, jti=token[api_settings.JTI_CLAIM], token=str(token),
        created_at=token.current_time, expires_at=datetime_from_epoch(token["exp"]),
    )
    return token


def token_subject(token: Any) -> tuple[Any, uuid.UUID | None]:
    """The user pk and the session id a verified token names (no session: None).

    Only a key holder can sign a token, but a claim that is not an id of ours
    must still be a refusal (``token_invalid``), never a database error (500).
    """
    from django.contrib.auth import get_user_model

    try:
        user_pk = get_user_model()._meta.pk.to_python(token.get(api_settings.USER_ID_CLAIM))
    except ValidationError:
        user_pk = None
    if user_pk is None:
        raise TokenRefused("Token names no valid user.", "token_invalid")
    sid = token.get(SESSION_CLAIM)
    if sid is None:
        return user_pk, None
    try:
        if not isinstance(sid, str):
            raise ValueError(sid)
        return user_pk, uuid.UUID(sid)
    except ValueError:
        raise TokenRefused("Token names no valid session.", "token_invalid") from None


def password_claim_matches(token: Any, user: Any) -> bool:
    """False once the user's password changed after the token was issued."""
    return token.get(api_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(user.password)


def expires_at(token: Any) -> datetime:
    return datetime_from_epoch(token["exp"])
