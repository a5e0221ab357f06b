"""Every write to users goes through here."""

from __future__ import annotations

import secrets

from django.db import transaction

from accounts.models import User


@transaction.atomic
def admin_ensure(*, username: str = "admin", password: str | None = None) -> tuple[User, str | None]:
    """Create the first administrator once; never touch an existing one.

    Returns the user and the password only when it was just created, so the
    caller can show it exactly once. Running it again is safe.
    """
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, None
    password = password or secrets.token_urlsafe(18)
    user = User.objects.create_superuser(username=username, email="", password=password)
    return user, password
