"""Sessions: start, refresh, end and revoke API (JWT) and admin web sessions.

One ``UserSession`` row per login. API tokens carry its id as ``sid``; revoking
the row blacklists the session's refresh token, and its access tokens are
refused from that commit on because authentication loads the user through the
row (``accounts.revocation``): no cache to write, so Redis being down cannot
fail or undo a revocation. Every revocation writes an audit event in the same
transaction.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User, UserSession
from accounts.tokens import RefreshToken, expires_at, refresh_token_issue
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.errors import AuthenticationError
from mabos.request_context import client_ip

_TOUCH_EVERY = 60  # seconds: "last used" is precise to a minute, not a write per request


def _origin(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    return {"ip_address": client_ip(request),
            "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:500]}


def active_sessions(user: User) -> Any:
    return UserSession.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


@transaction.atomic
def session_start_api(*, user: User, request: HttpRequest | None) -> tuple[UserSession, RefreshToken]:
    """A new API session: its first refresh token, recorded and audited as a login."""
    lifetime: timedelta = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    session = UserSession.objects.create(user=user, kind=UserSession.Kind.API,
                                         expires_at=timezone.now() + lifetime, **_origin(request))
    refresh = refresh_token_issue(user=user, session_id=session.id)
    session.refresh_jti = refresh["jti"]
    session.expires_at = expires_at(refresh)
    session.save(update_fields=["refresh_jti", "expires_at"])
    audit_record(action=Action.LOGIN, actor=user, target=user, note=f"api session {session.id}")
    return session, refresh


class RefreshReused(AuthenticationError):
    """The refresh token is not (or no longer) its session's current one: a copy was used before."""

    code = "token_revoked"
    default_detail = "This refresh token was already used."


@transaction.atomic
def session_rotate(*, session: UserSession, used: RefreshToken, user: User) -> RefreshToken:
    """Blacklist the used refresh token and issue the session's next one (rotation).

    The session row is locked and its current ``refresh_jti`` compared under
    the lock, so of any number of parallel refreshes of one token exactly one
    rotates; the others wait for it, then see a jti that is not theirs and get
    ``RefreshReused`` (the caller revokes the session: someone holds a copy).
    """
    session = UserSession.objects.select_for_update().get(pk=session.pk)
    if session.revoked_at is not None or session.refresh_jti != used["jti"]:
        raise RefreshReused()
    used.blacklist()
    refresh = refresh_token_issue(user=user, session_id=session.id)
    session.refresh_jti = refresh["jti"]
    session.last_used_at = timezone.now()
    session.save(update_fields=["refresh_jti", "last_used_at"])
    audit_record(action=Action.TOKEN_REFRESH, actor=user, target=user, note=f"api session {session.id}")
    return refresh


@transaction.atomic
def session_start_web(*, user: User, request: HttpRequest) -> UserSession | None:
    """Record an admin login so it shows in the user's sessions and can be revoked."""
    key = getattr(request, "session", None) and request.session.session_key
    if not key:
        return None
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    session, _ = UserSession.objects.update_or_create(
        web_session_key=key,
        defaults={"user": user, "kind": UserSession.Kind.WEB, "expires_at": timezone.now() + age,
                  "revoked_at": None, **_origin(request)},
    )
    audit_record(action=Action.LOGIN, actor=user, target=user, note=f"web session {session.id}")
    return session


@transaction.atomic
def session_end_web(*, user: User | None, session_key: str | None) -> None:
    """The user logged out of the admin: the session is over (audited as a logout)."""
    if not session_key:
        return
    ended = UserSession.objects.filter(web_session_key=session_key, revoked_at__isnull=True)
    ids = list(ended.values_list("id", flat=True))
    ended.update(revoked_at=timezone.now())
    for session_id in ids:
        audit_record(action=Action.LOGOUT, actor=user, target=user, note=f"web session {session_id}")


def session_touch(*, session_id: str | None = None, web_session_key: str | None = None) -> None:
    """Move "last used" forward, at most once a minute per session (a cache flag decides)."""
    marker = session_id or web_session_key
    try:
        first_this_minute = bool(marker) and cache.add(f"auth:touch:{marker}", 1, _TOUCH_EVERY)
    except Exception:  # Redis down: "last used" is best effort, the request must not fail for it
        return
    if not first_this_minute:
        return
    sessions = UserSession.objects.filter(revoked_at__isnull=True)
    sessions = sessions.filter(id=session_id) if session_id else sessions.filter(web_session_key=web_session_key)
    sessions.update(last_used_at=timezone.now())


def _kill(session: UserSession) -> None:
    """Make the session unusable now: refresh token blacklisted, web session gone.

    Its access tokens need nothing more: each request loads its user through
    this row, which the caller has just marked revoked (``accounts.revocation``).
    """
    if session.kind == UserSession.Kind.API:
        outstanding = OutstandingToken.objects.filter(jti=session.refresh_jti).first()
        if outstanding is not None:
            BlacklistedToken.objects.get_or_create(token=outstanding)
    elif session.web_session_key:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        store(session_key=session.web_session_key).delete()


@transaction.atomic
def session_revoke(*, session: UserSession, by: Any = None, reason: str = "") -> UserSession:
    """Revoke one session (API or web). Revoking a revoked session changes nothing and records nothing."""
    session = UserSession.objects.select_for_update().get(pk=session.pk)
    if session.revoked_at is not None:
        return session
    session.revoked_at = timezone.now()
    session.save(update_fields=["revoked_at"])
    _kill(session)
    audit_record(action=Action.SESSION_REVOKED, actor=by, target=session.user,
                 note=f"{session.kind} session {session.id}" + (f": {reason}" if reason else ""))
    return session


@transaction.atomic
def sessions_revoke_all(*, user: User, by: Any = None, keep: UserSession | None = None,
                        reason: str = "") -> int:
    """Revoke every active session of a user except ``keep``; returns how many were revoked.

    Also blacklists any outstanding refresh token not tied to a session row, so
    "all" really means all.
    """
    sessions = active_sessions(user).select_for_update()
    if keep is not None:
        sessions = sessions.exclude(pk=keep.pk)
    revoked = 0
    for session in sessions:
        session_revoke(session=session, by=by, reason=reason)
        revoked += 1
    stray = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True,
                                            expires_at__gt=timezone.now())
    if keep is not None and keep.refresh_jti:
        stray = stray.exclude(jti=keep.refresh_jti)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in stray], ignore_conflicts=True)
    return revoked
