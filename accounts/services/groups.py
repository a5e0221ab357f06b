"""Writes to roles (Django groups) and the model permissions they carry; each change audited in its transaction.

A role's permissions decide what every member may do, so adding or removing
one is recorded as ``permission_granted`` / ``permission_revoked`` on the
role, like an object grant. The four built-in roles keep their names and
cannot be deleted: ``accounts.roles`` and the data migrations find them by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.roles import ROLES
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.errors import Conflict, InvalidInput


def permission_names(permissions: Iterable[Permission]) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


def _held(group: Group) -> list[str]:
    return permission_names(group.permissions.select_related("content_type"))


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(fields={"name": ["A role needs a name."]})
    return name


def is_builtin_role(group: Group) -> bool:
    return group.name in ROLES


@transaction.atomic
def auth_group_create(*, name: str, by: Any, permissions: Iterable[Permission] = ()) -> Group:
    """A new role with its starting permissions: one ``create`` event listing them."""
    group = Group.objects.create(name=_check_name(name))
    group.permissions.set(list(permissions))
    audit_record(action=Action.CREATE, actor=by, target=group,
                 changes={"name": [None, group.name], "permissions": [None, _held(group)]})
    return group


@transaction.atomic
def auth_group_update(*, group: Group, by: Any, name: str | None = None,
                      permissions: Iterable[Permission] | None = None) -> Group:
    """Rename a role and/or replace its permissions.

    Events: ``update`` for a new name; ``permission_granted`` for what was
    added and ``permission_revoked`` for what was removed, each with the role's
    permissions before and after that step. Nothing is recorded when nothing changed.
    """
    group = Group.objects.select_for_update().get(pk=group.pk)
    if name is not None and _check_name(name) != group.name:
        if is_builtin_role(group):
            raise Conflict("The built-in roles keep their names.", code="builtin_role")
        before_name, group.name = group.name, _check_name(name)
        group.save(update_fields=["name"])
        audit_record(action=Action.UPDATE, actor=by, target=group, changes={"name": [before_name, group.name]})
    if permissions is None:
        return group
    wanted = list(permissions)
    before = _held(group)
    after = permission_names(Permission.objects.filter(pk__in=[p.pk for p in wanted]).select_related(
        "content_type"))
    group.permissions.set(wanted)
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    if added:
        audit_record(action=Action.PERMISSION_GRANTED, actor=by, target=group,
                     changes={"permissions": [before, sorted({*before, *added})]},
                     note=f"granted to role {group.name}: {', '.join(added)}")
    if removed:
        audit_record(action=Action.PERMISSION_REVOKED, actor=by, target=group,
                     changes={"permissions": [sorted({*before, *added}), after]},
                     note=f"revoked from role {group.name}: {', '.join(removed)}")
    return group


@transaction.atomic
def auth_group_delete(*, group: Group, by: Any) -> None:
    """Delete a role; its members lose its permissions, so the event names them and what they lost."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if is_builtin_role(group):
        raise Conflict("The built-in roles cannot be deleted.", code="builtin_role")
    members = sorted(group.user_set.values_list("username", flat=True))
    audit_record(action=Action.DELETE, actor=by, target=group,
                 changes={"name": [group.name, None], "permissions": [_held(group), None],
                          "members": [members, None]})
    group.delete()
