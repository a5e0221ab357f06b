"""How agents services describe their writes to the audit log: before/after of named fields."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record


def value_of(obj: models.Model, field: str) -> Any:
    """A field's value as the audit log should see it: foreign keys as their id."""
    meta_field = obj._meta.get_field(field)
    if meta_field.is_relation:
        raw = getattr(obj, meta_field.attname)
        return None if raw is None else str(raw)
    return getattr(obj, field)


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {field: value_of(obj, field) for field in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def created(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in snapshot(obj, fields).items()}


def user_of(by: Any) -> Any | None:
    """The user behind ``by`` (for created_by columns), or None for an agent or the system."""
    return by if isinstance(by, get_user_model()) and by.is_authenticated else None


def record(*, action: Action, by: Actor | Any | None, target: models.Model, changes: dict[str, Any] | None = None,
           note: str = "", target_repr: str = "") -> None:
    audit_record(action=action, actor=by, target=target, changes=changes, note=note, target_repr=target_repr)


def save_and_record(obj: models.Model, data: dict[str, Any], fields: list[str] | tuple[str, ...], *,
                    by: Actor | Any | None) -> None:
    """Apply validated ``data``, save, and audit only the fields that really changed (nothing if none did)."""
    before = snapshot(obj, fields)
    for key, value in data.items():
        setattr(obj, key, value)
    obj.save()
    changes = diff(before, snapshot(obj, fields))
    if changes:
        record(action=Action.UPDATE, by=by, target=obj, changes=changes)
