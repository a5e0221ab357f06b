"""Authentication flows: check credentials (with lockout), refresh, logout.

Failures are audited outside any transaction that the failure itself rolls
back, so a refused attempt always leaves its audit event behind.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.lockout import lockout_retry_after
from accounts.models import User, UserSession
from accounts.services.sessions import RefreshReused, session_revoke, session_rotate
from accounts.tokens import AccessToken, RefreshToken, TokenRefused, password_claim_matches, token_subject
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.errors import AuthenticationError, LockedOut
from mabos.request_context import set_request_user


def auth_failure_record(*, reason: str, code: str, username: str = "", user: User | None = None) -> None:
    """One audit event for a refused credential or token (actor: anonymous unless known)."""
    audit_record(action=Action.AUTH_FAILED, actor=None, target=user,
                 target_type="" if user else "user", target_repr="" if user else username[:150],
                 note=f"{code}: {reason}"[:500])


def credentials_check(*, request: HttpRequest, username: str, password: str) -> User:
    """The user these credentials belong to; LockedOut (429) or AuthenticationError (401) otherwise.

    django-axes counts failures per username + IP (AxesBackend is the first
    authentication backend); its signals feed the audit log (accounts.receivers).
    """
    locked_before = not AxesProxyHandler.is_allowed(request, {"username": username})
    user = authenticate(request, username=username, password=password)
    if locked_before:
        raise LockedOut(lockout_retry_after(request, username))
    if user is None:
        raise AuthenticationError("No active account with these credentials.", code="invalid_credentials")
    set_request_user(user)
    # What login() would announce: axes resets the failure count, Django updates last_login.
    user_logged_in.send(sender=type(user), request=request, user=user)
    return user


def token_refresh(*, raw_refresh: str) -> tuple[RefreshToken, AccessToken]:
    """Rotate: the used refresh token is blacklisted; a reused one revokes its whole session."""
    try:
        used = RefreshToken(raw_refresh)
        user_pk, sid = token_subject(used)
    except TokenRefused as exc:
        if exc.code == "token_revoked":
            _revoke_family_of(raw_refresh)
        auth_failure_record(reason=str(exc.args[0]), code=exc.code)
        raise AuthenticationError(str(exc.args[0]), code=exc.code) from exc
    user = User.objects.filter(pk=user_pk).first()
    session = UserSession.objects.filter(pk=sid).first() if sid else None
    problem = None
    if user is None or not user.is_active:
        problem = ("The user is disabled or gone.", "user_inactive")
    elif not password_claim_matches(used, user):
        problem = ("The password changed since this token was issued.", "token_revoked")
    elif session is None or session.revoked_at is not None or session.user_id != user.pk:
        problem = ("The session of this token has been revoked.", "token_revoked")
    if problem:
        auth_failure_record(reason=problem[0], code=problem[1], user=user)
        raise AuthenticationError(problem[0], code=problem[1])
    set_request_user(user)
    try:
        # Whether this token is still the session's current one is decided under the row lock, there.
        refresh = session_rotate(session=session, used=used, user=user)
    except RefreshReused as exc:
        session_revoke(session=session, by=None, reason="refresh token reused")
        auth_failure_record(reason=exc.detail, code=exc.code, user=user)
        raise
    return refresh, refresh.access_token


def _revoke_family_of(raw_refresh: str) -> None:
    """A blacklisted refresh token came back: someone holds a stolen copy. End that session."""
    try:
        _user_pk, sid = token_subject(RefreshToken(raw_refresh, verify=False).payload)
    except TokenRefused:
        return
    session = UserSession.objects.filter(pk=sid, revoked_at__isnull=True).first() if sid else None
    if session is not None:
        session_revoke(session=session, by=None, reason="refresh token reused")


@transaction.atomic
def token_logout(*, user: User, access: Any, raw_refresh: str) -> None:
    """End the caller's session: refresh blacklisted, the row revoked, so this access token is refused at once."""
    try:
        refresh = RefreshToken(raw_refresh)
        user_pk, sid = token_subject(refresh)
    except TokenRefused as exc:
        raise AuthenticationError(str(exc.args[0]), code=exc.code) from exc
    if user_pk != user.pk:
        raise AuthenticationError("This refresh token belongs to someone else.", code="token_invalid")
    if access is not None and access.get("sid") != str(sid):
        # Logging out ends one session, the one of both tokens; the access token dies with it.
        raise AuthenticationError("This refresh token belongs to another session.", code="token_invalid")
    refresh.blacklist()
    # The access token making this call dies with its session row (accounts.revocation): nothing to write elsewhere.
    session = UserSession.objects.select_for_update().filter(pk=sid, user=user).first() if sid else None
    if session is not None and session.revoked_at is None:
        session.revoked_at = timezone.now()
        session.save(update_fields=["revoked_at"])
    audit_record(action=Action.LOGOUT, actor=user, target=user,
                 note=f"api session {session.id}" if session else "api logout")
