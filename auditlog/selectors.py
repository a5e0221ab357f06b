"""Reads of the audit trail, which depend on who asks."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Model, QuerySet

from auditlog.models import AuditEvent

#: Django groups whose members may read the audit trail (besides superusers).
AUDIT_READER_GROUPS = ("auditor", "administrator")


def can_read_audit(user: Any) -> bool:
    """Superusers and members of the auditor or administrator groups."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name__in=AUDIT_READER_GROUPS).exists()


def audit_event_list(
    *,
    user: Any,
    actor_type: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events the user may read (none unless an auditor), newest first, filtered.

    ``since`` is inclusive and ``until`` exclusive, so consecutive windows
    never count an event twice.
    """
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    return audit_event_filter(AuditEvent.objects.all(), actor_type=actor_type, actor_id=actor_id, action=action,
                              target_type=target_type, target_id=target_id, since=since,
                              until=until).order_by("-seq")


def audit_event_filter(qs: QuerySet[AuditEvent], *, actor_type: str | None = None, actor_id: str | None = None,
                       action: str | None = None, target_type: str | None = None, target_id: str | None = None,
                       since: datetime.datetime | None = None,
                       until: datetime.datetime | None = None) -> QuerySet[AuditEvent]:
    """The filters shared by the API and the export command; None means "any"."""
    exact = {"actor_type": actor_type, "actor_id": actor_id, "action": action, "target_type": target_type,
             "target_id": target_id}
    qs = qs.filter(**{name: value for name, value in exact.items() if value not in (None, "")})
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    return qs


def target_labels(obj: Model) -> list[str]:
    """The ``target_type`` values under which ``obj``'s events are stored: its model, and the concrete one behind a
    proxy (a dead letter's events may name the delivery)."""
    labels = [f"{obj._meta.app_label}.{obj._meta.model_name}"]
    concrete = obj._meta.concrete_model._meta
    if f"{concrete.app_label}.{concrete.model_name}" not in labels:
        labels.append(f"{concrete.app_label}.{concrete.model_name}")
    return labels


def audit_events_of(obj: Model) -> QuerySet[AuditEvent]:
    """One object's audit trail, newest first (the target index: target_type, target_id, seq).

    No check of who asks: the caller (an admin history page) has already decided that the person may see the
    object, and an object's own history is part of what seeing it means.
    """
    return AuditEvent.objects.filter(target_type__in=target_labels(obj), target_id=str(obj.pk)).order_by("-seq")
