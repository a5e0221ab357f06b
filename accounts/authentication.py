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

from accounts import revocation
from accounts.services.auth import auth_failure_record
from accounts.services.sessions import session_touch
from accounts.tokens import AccessToken, TokenRefused, password_claim_matches, token_subject
from mabos.api.refusals import refusal_record, refusal_wait
from mabos.request_context import set_request_user


class JWTAuthentication(authentication.JWTAuthentication):
    www_authenticate_realm = "mabos"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = self.get_header(request)
        if header is None:
            return None
        wait = refusal_wait(request)
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
        try:
            raw = self.get_raw_token(header)
            if raw is None:
                return None
            token = self.get_validated_token(raw)
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
