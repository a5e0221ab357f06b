"""Action requests in the admin: read-only, the requests of agents the staff member may view.

Nothing is written here: requests are the cycle's, their outcomes the worker's. The list is where a
``notify`` action's notifications are read (filter: action notify), and where an operator sees what an
action cost (``usage``) and why it failed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from agents.common.admin import ReadOnlyAdmin
from agents.reasoning.actions.models import ActionRequest
from agents.reasoning.actions.registry import actions_known
from agents.reasoning.actions.selectors import action_request_list


class ActionNameFilter(admin.SimpleListFilter):
    """By action, from the registry (no query over the table for its distinct names)."""

    title = "action"
    parameter_name = "name"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in actions_known()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(name=self.value()) if self.value() else queryset


@admin.register(ActionRequest)
class ActionRequestAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "name", "agent", "organization", "status", "attempts", "error", "finished_at"]
    list_filter = ["status", ActionNameFilter]
    search_fields = ["=id", "=idempotency_key", "=agent__id", "=intention__id"]
    fields = ["id", "agent", "intention", "idempotency_key", "name", "args", "status", "attempts",
              "next_attempt_at", "lease_until", "result", "error", "error_message", "usage", "created_at",
              "finished_at"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return action_request_list(user=request.user)

    @admin.display(description="organization")
    def organization(self, obj: ActionRequest) -> str:
        return str(obj.agent.organization)
