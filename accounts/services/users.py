"""Writes to users. Disabling a user or changing their password ends every session they have.

Every door (the admin's user pages, management commands) goes through these
functions, so a change to ``is_staff``, ``is_superuser``, groups or user
permissions is one audited event in the same transaction as the change.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User, UserSession
from accounts.services.sessions import sessions_revoke_all
from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.errors import InvalidInput

#: Plain columns a user write may change (the password has its own service: it revokes sessions).
USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")
#: Many-to-many relations a user write may replace: the roles (groups) and direct model permissions.
USER_RELATIONS = ("groups", "user_permissions")
UPDATABLE = USER_FIELDS + USER_RELATIONS


def user_snapshot(user: User) -> dict[str, Any]:
    """What the audit log compares: the columns, plus groups and permissions as sorted names."""
    state: dict[str, Any] = {field: getattr(user, field) for field in USER_FIELDS}
    state["groups"] = sorted(user.groups.values_list("name", flat=True))
    state["user_permissions"] = sorted(
        f"{app}.{codename}" for app, codename in
        user.user_permissions.values_list("content_type__app_label", "codename"))
    return state


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def _check_fields(changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise InvalidInput(fields={name: ["This field cannot be changed here."] for name in unknown})


def _apply(user: User, changes: dict[str, Any]) -> None:
    columns = [field for field in USER_FIELDS if field in changes]
    for field in columns:
        setattr(user, field, changes[field])
    if user.pk is None:
        return
    if columns:
        user.save(update_fields=columns)
    relations: dict[str, Iterable[Any]] = {name: changes[name] for name in USER_RELATIONS if name in changes}
    if "groups" in relations:
        user.groups.set(relations["groups"])
    if "user_permissions" in relations:
        user.user_permissions.set(relations["user_permissions"])
    user.__dict__.pop("_mabos_roles", None)  # accounts.roles caches the role names on the instance


@transaction.atomic
def admin_ensure(*, username: str = "admin", password: str | None = None) -> tuple[User, str | None]:
    """Create the first administrator once; never touch an existing one.

    Returns the user and the password only when it was just created, so the
    caller can show it exactly once. Running it again is safe.
    """
    from accounts.roles import ADMINISTRATOR, role_assign

    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, None
    password = password or secrets.token_urlsafe(18)
    user = User.objects.create_superuser(username=username, email="", password=password)
    role_assign(user=user, role=ADMINISTRATOR)
    audit_record(action=Action.CREATE, actor=Actor.system("mabos_ensure_admin"), target=user,
                 note="first administrator")
    return user, password


@transaction.atomic
def user_password_set(*, user: User, password: str, by: Any = None) -> User:
    """Set a new password (already validated by the caller's form) and revoke every session."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action=Action.UPDATE, actor=by, target=user, changes={"password": ["***", "***"]},
                 note="password changed")
    sessions_revoke_all(user=user, by=by, reason="password changed")
    return user


@transaction.atomic
def user_password_change_own(*, request: HttpRequest, password: str) -> User:
    """The signed-in person changes their own password (already validated by the caller's form).

    Audited as the person's own change. Every other session ends (a stolen
    session must not survive the change meant to lock it out); the session
    making the change goes on, as in Django's own view, under a new key, and
    its ``UserSession`` row follows the new key so it stays listed and revocable.
    """
    user = User.objects.select_for_update().get(pk=request.user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action=Action.UPDATE, actor=user, target=user, changes={"password": ["***", "***"]},
                 note="password changed by its owner")
    old_key = request.session.session_key
    current = UserSession.objects.filter(user=user, web_session_key=old_key, revoked_at__isnull=True).first() \
        if old_key else None
    sessions_revoke_all(user=user, by=user, keep=current, reason="password changed")
    update_session_auth_hash(request, user)  # new session key, new auth hash: the old cookie is worthless
    if current is not None:
        current.web_session_key = request.session.session_key
        current.save(update_fields=["web_session_key"])
    return user


@transaction.atomic
def user_active_set(*, user: User, active: bool, by: Any = None) -> User:
    """Enable or disable a user; disabling revokes every session at once."""
    updated = user_update(user=user, by=by, is_active=active)
    user.is_active = updated.is_active
    return updated


@transaction.atomic
def user_create(*, username: str, password: str | None, by: Any = None, **fields: Any) -> User:
    """Create a user; ``password=None`` means no password login (an unusable password).

    The event lists every starting value, groups and permissions included, so
    a user created as staff or superuser is visible in the trail as such.
    """
    _check_fields({"username": username, **fields})
    user = User(username=username)
    _apply(user, {name: value for name, value in fields.items() if name in USER_FIELDS})
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    _apply(user, {name: value for name, value in fields.items() if name in USER_RELATIONS})
    changes = {key: [None, value] for key, value in user_snapshot(user).items()}
    changes["password"] = [None, "***" if password is not None else None]
    audit_record(action=Action.CREATE, actor=by, target=user, changes=changes)
    return user


@transaction.atomic
def user_update(*, user: User, by: Any = None, **changes: Any) -> User:
    """Change a user's columns, groups or permissions: one audited event naming what changed.

    The row is re-read under a lock, so "before" is what the database held, not
    what a form already wrote into the caller's instance. Disabling a user
    revokes every session they have (each revocation audited as well).
    """
    _check_fields(changes)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user_snapshot(user)
    _apply(user, changes)
    difference = _diff(before, user_snapshot(user))
    if difference:
        audit_record(action=Action.UPDATE, actor=by, target=user, changes=difference)
    if "is_active" in changes and not user.is_active:
        sessions_revoke_all(user=user, by=by, reason="user disabled")
    return user


@transaction.atomic
def user_delete(*, user: User, by: Any = None) -> None:
    """Delete a user; the event keeps who they were and what they could do (the trail has no foreign key)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    audit_record(action=Action.DELETE, actor=by, target=user,
                 changes={key: [value, None] for key, value in user_snapshot(user).items()})
    user.delete()
