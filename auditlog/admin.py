"""The audit trail in the admin: read-only for everyone, superusers included.

The list puts what an investigation starts from first (when, the request's IP and id, what and who), links
every target to its admin page and every request id to all events of that request, and filters by action,
actor type, target type, organization (auditlog/scopes.py) and time; ``?target_type=&target_id=`` and
``?request_id=`` narrow it to one object or one request (the HISTORY pages link there).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from auditlog.history import actor_admin_url, audit_list_url, wants_audit_history
from auditlog.models import Action, AuditEvent
from auditlog.scopes import AuditScope, audit_scopes


def scope_filter(scope: AuditScope) -> type[admin.SimpleListFilter]:
    """A list filter for one registered scope (asked for per request: scopes register after the admin loads)."""

    class ScopeFilter(admin.SimpleListFilter):
        title = scope.title
        parameter_name = scope.parameter

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return scope.choices()

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value() is None:
                return queryset
            condition = scope.condition(self.value())
            return queryset.none() if condition is None else queryset.filter(condition)

    ScopeFilter.__name__ = f"{scope.parameter.capitalize()}ScopeFilter"
    return ScopeFilter


class TargetTypeFilter(admin.SimpleListFilter):
    """The target's type among the models with an admin page (a fixed list: no DISTINCT over a growing table)."""

    title = "target type"
    parameter_name = "target_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels = sorted(f"{model._meta.app_label}.{model._meta.model_name}"
                        for model in model_admin.admin_site._registry if wants_audit_history(model))
        return [(label, label) for label in labels]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset if self.value() is None else queryset.filter(target_type=self.value())


def target_admin_url(event: AuditEvent) -> str | None:
    """The target's admin page, when its type is a model with one (no query: the id is the event's)."""
    if not event.target_id or "." not in event.target_type or event.action == Action.DELETE:
        return None
    app_label, model_name = event.target_type.split(".", 1)
    try:
        apps.get_model(app_label, model_name)
        return reverse(f"admin:{app_label}_{model_name}_change", args=[event.target_id])
    except (LookupError, NoReverseMatch, ValueError):
        return None


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """No add, change or delete: events are written by audit_record() and never modified.

    Who may *view* is Django's view permission (superusers, and the roles that
    hold ``auditlog.view_auditevent``).
    """

    list_display = ("seq", "occurred_at", "ip", "request", "action", "actor", "target")
    list_display_links = ("seq",)
    list_filter = ("action", "actor_type", TargetTypeFilter, "occurred_at")
    search_fields = ("actor_name", "actor_id", "target_repr", "target_id", "target_type", "request_id", "ip")
    ordering = ("-seq",)
    list_per_page = 100
    show_full_result_count = False  # no second COUNT(*) over a table that only grows
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def get_list_filter(self, request: HttpRequest) -> list:
        return [*self.list_filter[:3], *(scope_filter(scope) for scope in audit_scopes()), *self.list_filter[3:]]

    @admin.display(description="request", ordering="request_id")
    def request(self, event: AuditEvent) -> str:
        """Its first characters, linked to every event of the same request (the full id is the link's title)."""
        if not event.request_id:
            return "—"
        return format_html('<a href="{}" title="every event of request {}"><code>{}</code></a>',
                           audit_list_url(request_id=event.request_id), event.request_id, event.request_id[:8])

    @admin.display(description="actor", ordering="actor_name")
    def actor(self, event: AuditEvent) -> str:
        url = actor_admin_url(event)
        if url is None:
            return f"{event.actor_type} {event.actor_name}".strip()
        return format_html('{} <a href="{}">{}</a>', event.actor_type, url, event.actor_name)

    @admin.display(description="target", ordering="target_type")
    def target(self, event: AuditEvent) -> str:
        if not event.target_type:
            return "—"
        label = event.target_repr or event.target_id
        url = target_admin_url(event)
        if url is None:
            return format_html("{} {}", event.target_type, label)
        return format_html('{} <a href="{}">{}</a>', event.target_type, url, label)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
