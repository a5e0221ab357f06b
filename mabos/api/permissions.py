"""DRF permission classes for object permissions (see accounts/object_permissions.py).

Views load objects through selectors, which already answer 404 for what the
caller may not see; these classes add the 403 for what they may see but not
do. A view names the action each method needs in ``object_actions``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.object_permissions import CHANGE, DELETE, VIEW, require_object_permission
from accounts.roles import is_administrator

DEFAULT_OBJECT_ACTIONS = {"PUT": CHANGE, "PATCH": CHANGE, "DELETE": DELETE, "POST": CHANGE}


class ObjectActionPermission(BasePermission):
    """Safe methods need ``view``; writes need the action the view maps them to (default change/delete)."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            action = VIEW
        else:
            action = {**DEFAULT_OBJECT_ACTIONS, **getattr(view, "object_actions", {})}[request.method]
        require_object_permission(request.user, action, obj)  # raises 404 or 403
        return True


class IsAdministrator(BasePermission):
    """Superusers and the administrator role: user management and grants."""

    message = "Only administrators may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_administrator(request.user)
