"""Audit events: one row per security-relevant action or change, append-only and hash-chained.

Rows are written only by ``auditlog.services.audit_record``, which links each
one to the previous by ``seq`` and ``prev_hash`` and seals it with an HMAC
(``auditlog.chain``). Nothing may change or remove a row afterwards: the model
and its queryset refuse, and on PostgreSQL a trigger rejects UPDATE, DELETE
and TRUNCATE (migrations 0002, 0003). Removing the newest rows behind the triggers is
caught by the head anchored outside the table (auditlog.anchor).
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Action(models.TextChoices):
    """What happened. Grows with the system; add a member here and a row in docs/audit.md."""

    CREATE = "create", "create"
    UPDATE = "update", "update"
    DELETE = "delete", "delete"
    LOGIN = "login", "login"
    LOGIN_FAILED = "login_failed", "login failed"
    LOCKOUT = "lockout", "lockout"
    LOGOUT = "logout", "logout"
    TOKEN_REFRESH = "token_refresh", "token refresh"
    AUTH_FAILED = "auth_failed", "authentication failed"
    SESSION_REVOKED = "session_revoked", "session revoked"
    PERMISSION_GRANTED = "permission_granted", "permission granted"
    PERMISSION_REVOKED = "permission_revoked", "permission revoked"
    CONFIG_CHANGED = "config_changed", "configuration changed"
    EXPORT = "export", "audit export"


class ActorType(models.TextChoices):
    USER = "user", "user"
    AGENT = "agent", "agent"
    SYSTEM = "system", "system"
    ANONYMOUS = "anonymous", "anonymous"


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit event, or to write one outside the recording service."""


class AuditEventQuerySet(models.QuerySet):
    """Reads as usual; every bulk write path refuses, so the ORM cannot rewrite history."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only: update() is not allowed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only: delete() is not allowed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list:
        raise AppendOnlyError("audit events are written one by one through audit_record(), which chains them")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only: bulk_update() is not allowed")


class AuditEvent(models.Model):
    # Sizes are the truncation limits of auditlog.sanitize; values never fail on length.
    ACTOR_ID_MAX, ACTOR_NAME_MAX = 64, 200
    TARGET_TYPE_MAX, TARGET_ID_MAX, TARGET_REPR_MAX = 100, 64, 200
    NOTE_MAX, USER_AGENT_MAX, REQUEST_ID_MAX = 1000, 256, 64

    seq = models.PositiveBigIntegerField(unique=True, editable=False,
                                         help_text="Position in the chain: 1, 2, 3 ... without gaps.")
    occurred_at = models.DateTimeField(db_index=True, editable=False, help_text="UTC.")
    actor_type = models.CharField(max_length=16, choices=ActorType.choices, editable=False)
    actor_id = models.CharField(max_length=ACTOR_ID_MAX, blank=True, editable=False)
    actor_name = models.CharField(max_length=ACTOR_NAME_MAX, blank=True, editable=False)
    action = models.CharField(max_length=32, choices=Action.choices, editable=False)
    target_type = models.CharField(max_length=TARGET_TYPE_MAX, blank=True, editable=False,
                                   help_text="Content type as app_label.model, or a free name (e.g. config).")
    target_id = models.CharField(max_length=TARGET_ID_MAX, blank=True, editable=False)
    target_repr = models.CharField(max_length=TARGET_REPR_MAX, blank=True, editable=False)
    changes = models.JSONField(default=dict, blank=True, editable=False,
                               help_text="{field: [before, after]} of the changed fields; secrets redacted.")
    note = models.CharField(max_length=NOTE_MAX, blank=True, editable=False)
    ip = models.CharField("IP address", max_length=45, blank=True, editable=False)
    user_agent = models.CharField(max_length=USER_AGENT_MAX, blank=True, editable=False)
    request_id = models.CharField(max_length=REQUEST_ID_MAX, blank=True, db_index=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    key_id = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["actor_type", "actor_id", "seq"], name="audit_actor_seq"),
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_seq"),
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
        ]

    def __str__(self) -> str:
        actor = self.actor_name or self.actor_type
        target = f" {self.target_type}:{self.target_id}" if self.target_type else ""
        return f"#{self.seq} {self.action} by {actor}{target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert once, only from the chain; an existing event is never saved again."""
        if not self._state.adding or self.pk is not None:
            raise AppendOnlyError(f"audit event {self.pk} is append-only and cannot be changed")
        if not getattr(self, "_sealed_by_chain", False):
            raise AppendOnlyError("audit events are written only by auditlog.services.audit_record()")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"audit event {self.pk} is append-only and cannot be deleted")
