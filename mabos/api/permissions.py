"""DRF permission classes of the platform.

Object permissions are not a DRF class: views load objects through selectors,
which answer 404 for what the caller may not see, and each concept's
``access.py`` adds the 403 for what they may see but not do.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.roles import is_administrator


class IsAdministrator(BasePermission):
    """Superusers and the administrator role: user management and grants."""

    message = "Only administrators may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_administrator(request.user)
