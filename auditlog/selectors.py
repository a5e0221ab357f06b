"""Reads of the audit trail, which depend on who asks."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

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
