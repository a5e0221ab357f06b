"""Reads that depend on who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import User, UserSession
from accounts.services.sessions import active_sessions
from mabos.errors import NotFound


def session_list(*, user: User) -> QuerySet[UserSession]:
    """The caller's own active sessions, API and web, most recently used first."""
    return active_sessions(user).order_by("-last_used_at", "-created_at")


def session_get(*, user: User, pk: Any) -> UserSession:
    """Someone else's session and a missing one look the same: 404."""
    try:
        return session_list(user=user).get(pk=pk)
    except (UserSession.DoesNotExist, ValueError, TypeError):
        raise NotFound("session") from None


def session_current(request: Any) -> UserSession | None:
    """The session this request rides on: the token's ``sid``, or the admin session cookie."""
    auth = getattr(request, "auth", None)
    if hasattr(auth, "get") and auth.get("sid"):
        return UserSession.objects.filter(pk=auth.get("sid")).first()
    django_request = getattr(request, "_request", request)
    session = getattr(django_request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        return UserSession.objects.filter(web_session_key=key).first()
    return None
