"""Writes to users. Disabling a user or changing their password ends every session they have."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from accounts.models import User
from accounts.services.sessions import sessions_revoke_all
from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record


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
def user_active_set(*, user: User, active: bool, by: Any = None) -> User:
    """Enable or disable a user; disabling revokes every session at once."""
    before = User.objects.filter(pk=user.pk).values_list("is_active", flat=True).first()
    user.is_active = active
    user.save(update_fields=["is_active"])
    if before != active:
        audit_record(action=Action.UPDATE, actor=by, target=user, changes={"is_active": [before, active]})
    if not active:
        sessions_revoke_all(user=user, by=by, reason="user disabled")
    return user
