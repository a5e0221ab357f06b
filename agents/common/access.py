"""The object-permission check every concept shares (the rules themselves are accounts.object_permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from accounts.object_permissions import (
    require_object_permission,
)


def require(user: Any, verb: str, obj: Model) -> None:
    """403 for an object the caller may see but not ``verb``; 404 if they cannot see it."""
    require_object_permission(user, verb, obj)
