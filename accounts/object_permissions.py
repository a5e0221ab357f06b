"""Object permissions: who may view, change, operate or delete which object.

A model opts in with :func:`register_object_policy`, naming the actions it
supports and, optionally, a *parent* relation whose grants cover it (a grant on
an organization covers all its agents). Grants are django-guardian rows in
direct-FK tables, so filtering is a join, not a generic-key scan.

Three ways to hold a permission, checked in this order:

1. superuser, or the *model* permission through a role (administrator): every object;
2. a grant on the object itself, to the user or one of their groups;
3. a grant for the same action on the parent object (recursively).

Filtering is expressed as subqueries, so a list costs a constant number of
queries whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from mabos.errors import NotFound, PermissionDenied

VIEW, CHANGE, DELETE, OPERATE = "view", "change", "delete", "operate"


@dataclass(frozen=True)
class ObjectPolicy:
    model: type[Model]
    actions: tuple[str, ...]
    parent: str | None = None  # FK field whose object's grants cover this one

    def codename(self, action: str) -> str:
        return f"{action}_{self.model._meta.model_name}"

    def perm(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{self.codename(action)}"

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_POLICIES: dict[type[Model], ObjectPolicy] = {}


def register_object_policy(model: type[Model], *, actions: tuple[str, ...] = (VIEW, CHANGE, DELETE),
                           parent: str | None = None) -> ObjectPolicy:
    """Declare that ``model`` is guarded by object permissions (call it from AppConfig.ready)."""
    policy = ObjectPolicy(model=model, actions=tuple(actions), parent=parent)
    _POLICIES[model] = policy
    return policy


def policy_for(model: type[Model]) -> ObjectPolicy | None:
    return _POLICIES.get(model._meta.concrete_model)


def object_policies() -> tuple[ObjectPolicy, ...]:
    """Every registered policy, in registration order (organizations before agents)."""
    return tuple(_POLICIES.values())


def policy_by_label(label: str) -> ObjectPolicy | None:
    """``"agents.organization"`` -> its policy; only registered models can be granted on."""
    return next((p for p in _POLICIES.values() if p.label == label.lower()), None)


def _require_policy(model: type[Model]) -> ObjectPolicy:
    policy = policy_for(model)
    if policy is None:
        raise LookupError(f"{model._meta.label} has no object-permission policy")
    return policy


def _is_active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _sees_everything(user: Any, policy: ObjectPolicy, action: str) -> bool:
    return user.is_superuser or user.has_perm(policy.perm(action))


def objects_for_user(user: Any, queryset: QuerySet, action: str = VIEW) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``, as one filtered queryset (no query runs)."""
    policy = _require_policy(queryset.model)
    if not _is_active(user):
        return queryset.none()
    if _sees_everything(user, policy, action):
        return queryset
    condition = Q()
    if action in policy.actions:
        direct = get_objects_for_user(user, policy.perm(action), klass=policy.model,
                                      accept_global_perms=False, with_superuser=False)
        condition |= Q(pk__in=direct.values("pk"))
    if policy.parent:
        parent_model = policy.model._meta.get_field(policy.parent).related_model
        parents = objects_for_user(user, parent_model._default_manager.all(), action)
        condition |= Q(**{f"{policy.parent}__in": parents.values("pk")})
    return queryset.filter(condition) if condition else queryset.none()


def has_object_permission(user: Any, action: str, obj: Model) -> bool:
    """Does ``user`` hold ``action`` on ``obj``, directly, through a group, a role or the parent?"""
    policy = _require_policy(type(obj))
    if not _is_active(user):
        return False
    if _sees_everything(user, policy, action):
        return True
    if action in policy.actions and user.has_perm(policy.perm(action), obj):
        return True
    if policy.parent:
        parent = getattr(obj, policy.parent)
        return parent is not None and has_object_permission(user, action, parent)
    return False


def object_get_for_user(user: Any, queryset: QuerySet, pk: Any, *, what: str = "") -> Model:
    """The object if the caller may see it; missing and not-allowed are the same 404."""
    try:
        return objects_for_user(user, queryset, VIEW).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        # A malformed id is just another object that is not there.
        raise NotFound(what or queryset.model._meta.verbose_name) from None


def require_object_permission(user: Any, action: str, obj: Model) -> None:
    """403 for an object the caller may see but not ``action``; 404 if they may not even see it."""
    if has_object_permission(user, action, obj):
        return
    if action != VIEW and has_object_permission(user, VIEW, obj):
        raise PermissionDenied(f"You may not {action} this {obj._meta.verbose_name}.")
    raise NotFound(obj._meta.verbose_name)
