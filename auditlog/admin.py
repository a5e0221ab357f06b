"""The audit trail in the admin: read-only for everyone, superusers included."""

from __future__ import annotations

from django.contrib import admin

from auditlog.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """No add, change or delete: events are written by audit_record() and never modified.

    Who may *view* is Django's view permission (superusers, and the roles that
    hold ``auditlog.view_auditevent``).
    """

    list_display = ("seq", "occurred_at", "action", "actor_type", "actor_name", "target_type", "target_repr",
                    "ip", "request_id")
    list_display_links = ("seq",)
    list_filter = ("action", "actor_type", "occurred_at")
    search_fields = ("actor_name", "actor_id", "target_repr", "target_id", "target_type")
    ordering = ("-seq",)
    list_per_page = 100
    show_full_result_count = False  # no second COUNT(*) over a table that only grows
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
