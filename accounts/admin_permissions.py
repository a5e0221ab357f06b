"""An admin mixin that shows each staff member only the objects they hold permissions on.

Changelists, change pages and foreign-key dropdowns are all filtered, so the
admin never reveals an object the API would answer 404 for.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from accounts.object_permissions import CHANGE, DELETE, VIEW, has_object_permission, objects_for_user, policy_for


def is_active_staff(user: Any) -> bool:
    """May ``user`` open the admin at all? Every admin asks this one question the same way."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


class ObjectPermissionAdminMixin:
    """Use before ``admin.ModelAdmin`` on any model registered with an object-permission policy."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return objects_for_user(request.user, super().get_queryset(request), VIEW)

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Staff with object grants but no model permission must still reach their objects.
        return is_active_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)  # the changelist itself is filtered
        return has_object_permission(request.user, VIEW, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return has_object_permission(request.user, CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return super().has_delete_permission(request)
        return has_object_permission(request.user, DELETE, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.remote_field.model
        if policy_for(related) is not None:
            base = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = objects_for_user(request.user, base, VIEW)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
