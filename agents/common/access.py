"""The object-permission check every concept shares (the rules themselves are accounts.object_permissions)."""

from __future__ import annotations

from typing import Any

from accounts.object_permissions import (
    require_object_permission,
)
from agents.agent.models import Agent
from agents.organization.models import Organization


def require(user: Any, verb: str, obj: Organization | Agent) -> None:
    """403 for an object the caller may see but not ``verb``; 404 if they cannot see it."""
    require_object_permission(user, verb, obj)
