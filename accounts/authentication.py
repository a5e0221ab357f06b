"""DRF authentication with MABOS's JWTs: key ring, precise refusals, revocation, audit.

Every refused token is answered with a precise ``code`` (token_expired,
token_invalid, token_wrong_type, token_revoked, user_inactive ...) and writes
an ``auth_failed`` audit event, for the first N refusals per client IP and
window; past them the client gets 429 before its token is looked at
(``mabos.api.refusals``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from accounts import revocation
from accounts.services.auth import auth_failure_record
from accounts.services.sessions import session_touch
from accounts.tokens import AccessToken, TokenRefused, password_claim_matches, token_subject
from mabos.api import auth_schemes
from mabos.api.refusals import refusal_record, refusal_wait
from mabos.request_context import set_request_user


class JWTAuthentication(authentication.JWTAuthentication):
    """``Authorization: Bearer <access>`` (the scheme in any case). Every authenticated view has it, after any
    other header-reading authenticator, so it is the one that answers a header nobody reads: 401
    ``wrong_auth_scheme`` saying what was wrong and which schemes exist (``mabos.api.auth_schemes``)."""

    www_authenticate_realm = "mabos"
    auth_scheme = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = self.get_header(request)
        if header is None:
            return None
        parts = auth_schemes.split_authorization(header)
        if not parts:
            return None  # an empty header: as if none was sent
        wait = refusal_wait(request)
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
        if not any(auth_schemes.is_scheme(parts[0], scheme) for scheme in api_settings.AUTH_HEADER_TYPES):
            if len(parts) > 1 and auth_schemes.claimed_elsewhere(request, parts[0], self):
                return None  # another authenticator of this view reads that scheme
            raise auth_schemes.wrong_scheme(request, parts)
        refused = auth_schemes.mismatch(parts[1], "bearer", request) if len(parts) == 2 else None
        if refused is not None:  # a usage mistake, not a guess: not counted as a refusal
            raise refused
        try:
            if len(parts) != 2:
                raise AuthenticationFailed(f"Send exactly: Authorization: {parts[0]} <access token>.",
                                           code="bad_authorization_header")
            token = self.get_validated_token(parts[1].encode("latin-1"))
            user = self.get_user(token)
        except (AuthenticationFailed, InvalidToken) as exc:
            code, reason = _code(exc), _message(exc)
            refusal_record(request, lambda: auth_failure_record(reason=reason, code=code))
            raise
        set_request_user(user)
        session_touch(session_id=token.get("sid"))
        return user, token

    def get_validated_token(self, raw_token: bytes) -> AccessToken:
        try:
            return AccessToken(raw_token)
        except TokenRefused as exc:
            raise AuthenticationFailed(str(exc.args[0]), code=exc.code) from exc

    def get_user(self, validated_token: Any) -> Any:
        """The token's user, loaded through its session row: a revoked session refuses the token (one query).

        See ``accounts.revocation``: the database row is the truth, so a
        revocation needs no Redis and no cache can forget it.
        """
        try:
            user_pk, session_id = token_subject(validated_token)  # no id of ours: a 401, not a database error
        except TokenRefused as exc:
            raise AuthenticationFailed(str(exc.args[0]), code=exc.code) from exc
        session = revocation.token_session(user_pk=user_pk, session_id=session_id)
        if session is None:
            raise AuthenticationFailed("Token has been revoked.", code="token_revoked")
        user = session.user
        if not user.is_active:
            raise AuthenticationFailed("User is inactive.", code="user_inactive")
        if not password_claim_matches(validated_token, user):
            raise AuthenticationFailed("The password changed since this token was issued.", code="token_revoked")
        return user


def _message(exc: Exception) -> str:
    detail = getattr(exc, "detail", exc)
    if isinstance(detail, dict):
        detail = detail.get("detail", "")
    return str(detail)


def _code(exc: Exception) -> str:
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict) and isinstance(detail.get("code"), str):
        return str(detail["code"])
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    return codes if isinstance(codes, str) else "token_invalid"
