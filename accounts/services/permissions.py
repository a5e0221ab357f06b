"""Granting and revoking object permissions; every change is audited in the same transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts.models import User
from accounts.object_permissions import ObjectPolicy, policy_for
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.errors import InvalidInput, NotFound


def _holder(user: User | None, group: Group | None) -> tuple[User | Group, str]:
    if (user is None) == (group is None):
        raise InvalidInput("Name exactly one of user or group.",
                           fields={"user": ["Give a user or a group, not both or neither."]})
    return (user, f"user:{user.username}") if user is not None else (group, f"group:{group.name}")


def _policy(obj: Model, action: str) -> ObjectPolicy:
    policy = policy_for(type(obj))
    if policy is None:
        raise InvalidInput(fields={"object_type": ["Objects of this type carry no object permissions."]})
    if action not in policy.actions:
        raise InvalidInput(fields={"permission": [f"Must be one of: {', '.join(policy.actions)}."]})
    return policy


def grant_exists(*, obj: Model, codename: str, user: User | None = None, group: Group | None = None) -> bool:
    """A grant held *directly* by this user or group (not through a group or a parent)."""
    if user is not None:
        return get_user_obj_perms_model(obj).objects.filter(
            user=user, permission__codename=codename, content_object=obj).exists()
    return get_group_obj_perms_model(obj).objects.filter(
        group=group, permission__codename=codename, content_object=obj).exists()


@transaction.atomic
def permission_grant(*, by: Any, obj: Model, action: str, user: User | None = None,
                     group: Group | None = None) -> bool:
    """Grant ``action`` on ``obj``; returns False (and records nothing) when it was already held."""
    policy = _policy(obj, action)
    holder, label = _holder(user, group)
    codename = policy.codename(action)
    if grant_exists(obj=obj, codename=codename, user=user, group=group):
        return False
    assign_perm(codename, holder, obj)
    audit_record(action=Action.PERMISSION_GRANTED, actor=by, target=obj,
                 changes={"grant": [None, f"{codename} to {label}"]}, note=f"{codename} granted to {label}")
    return True


@transaction.atomic
def permissions_grant(*, by: Any, obj: Model, actions: list[str] | tuple[str, ...], user: User | None = None,
                      group: Group | None = None) -> list[str]:
    """Grant several actions at once, all or none (the admin's form ticks several); the ones newly granted.

    Each is one ``permission_grant``, so each is one audit event, exactly as when the API grants them one by one.
    """
    return [action for action in actions
            if permission_grant(by=by, obj=obj, action=action, user=user, group=group)]


@transaction.atomic
def permission_revoke(*, by: Any, obj: Model, action: str, user: User | None = None,
                      group: Group | None = None) -> None:
    """Revoke a direct grant; revoking one that does not exist is a 404, so typos do not look like success."""
    policy = _policy(obj, action)
    holder, label = _holder(user, group)
    codename = policy.codename(action)
    if not grant_exists(obj=obj, codename=codename, user=user, group=group):
        raise NotFound("grant")
    remove_perm(codename, holder, obj)
    audit_record(action=Action.PERMISSION_REVOKED, actor=by, target=obj,
                 changes={"grant": [f"{codename} to {label}", None]}, note=f"{codename} revoked from {label}")


def grants_for_object(obj: Model) -> list[dict[str, str]]:
    """Every direct grant on ``obj``, users then groups (two queries)."""
    user_rows = get_user_obj_perms_model(obj).objects.filter(content_object=obj).select_related(
        "user", "permission").order_by("user__username", "permission__codename")
    group_rows = get_group_obj_perms_model(obj).objects.filter(content_object=obj).select_related(
        "group", "permission").order_by("group__name", "permission__codename")
    grants = [{"holder_type": "user", "holder": row.user.username,
               "permission": row.permission.codename.split("_", 1)[0]} for row in user_rows]
    grants += [{"holder_type": "group", "holder": row.group.name,
                "permission": row.permission.codename.split("_", 1)[0]} for row in group_rows]
    return grants
