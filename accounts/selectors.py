"""Reads that depend on who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts.models import User, UserSession
from accounts.object_permissions import object_policies
from accounts.roles import ADMINISTRATOR
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


def administrator_usernames(*, limit: int = 10) -> list[str]:
    """Who can grant access (superusers and the administrator role), for the people who have none yet."""
    rows = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATOR))
    return list(rows.order_by("username").values_list("username", flat=True).distinct()[:limit])


def staff_usernames(*, limit: int = 200) -> list[str]:
    """The names the grant form suggests: active staff, who are the people that use the admin."""
    return list(User.objects.filter(is_active=True, is_staff=True).order_by("username")
                .values_list("username", flat=True)[:limit])


def grants_held_by(user: User) -> list[dict[str, Any]]:
    """Every object grant ``user`` holds, directly or through a role: two queries per guarded model.

    Each row: ``object`` (the instance), ``object_type`` (its verbose name), ``permission`` (the verb),
    ``via`` ("direct" or the role's name).
    """
    rows: list[dict[str, Any]] = []
    for policy in object_policies():
        user_rows = get_user_obj_perms_model(policy.model).objects.filter(user=user).select_related(
            "permission", "content_object").order_by("permission__codename")
        group_rows = get_group_obj_perms_model(policy.model).objects.filter(group__user=user).select_related(
            "permission", "content_object", "group").order_by("group__name", "permission__codename")
        kind = policy.model._meta.verbose_name
        rows += [{"object": row.content_object, "object_type": kind, "via": "direct",
                  "permission": row.permission.codename.split("_", 1)[0]} for row in user_rows]
        rows += [{"object": row.content_object, "object_type": kind, "via": row.group.name,
                  "permission": row.permission.codename.split("_", 1)[0]} for row in group_rows]
    return rows


def holds_any_grant(user: User) -> bool:
    """Does ``user`` hold any object grant, directly or through a role? (One EXISTS per table.)"""
    for policy in object_policies():
        if get_user_obj_perms_model(policy.model).objects.filter(user=user).exists():
            return True
        if get_group_obj_perms_model(policy.model).objects.filter(group__user=user).exists():
            return True
    return False
