"""Agent API keys in the admin: create (the key is shown once), revoke; never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.admin_permissions import is_active_staff
from accounts.object_permissions import CHANGE, VIEW, has_object_permission
from agents.agent.access import agents_for
from agents.agent.models import AgentKind
from agents.common.admin import QualifiedChoicesMixin
from agents.keys.models import AgentApiKey
from agents.keys.services import agent_key_create, agent_key_revoke


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = AgentApiKey
        fields = ["agent", "name"]


@admin.register(AgentApiKey)
class AgentApiKeyAdmin(QualifiedChoicesMixin, admin.ModelAdmin):
    list_display = ["prefix", "name", "agent", "created_at", "last_used_at", "last_used_ip", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["agent"]
    search_fields = ["prefix", "name", "agent__name"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(agent__in=agents_for(request.user, CHANGE).values("pk"))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["agent", "name"]
        return ["agent", "name", "prefix", "pepper_id", "created_by", "created_at", "last_used_at", "last_used_ip",
                "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj) if obj else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agent":
            kwargs["queryset"] = agents_for(request.user, CHANGE).filter(kind=AgentKind.EXTERNAL)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_active_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) if obj is None else \
            has_object_permission(request.user, VIEW, obj.agent)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Create through the service and show the key once, on a page that is not stored anywhere."""
        if request.method == "POST":
            form = ApiKeyAddForm(request.POST)
            form.fields["agent"].queryset = agents_for(request.user, CHANGE).filter(kind=AgentKind.EXTERNAL)
            if form.is_valid():
                agent = form.cleaned_data["agent"]
                key, raw = agent_key_create(agent=agent, by=request.user, name=form.cleaned_data["name"])
                context = {**self.admin_site.each_context(request), "agent": agent, "key": key, "raw_key": raw,
                           "title": "API key created",
                           "back_url": reverse("admin:agents_agent_change", args=[agent.pk])}
                response = render(request, "admin/agents/agentapikey/created.html", context)
                response["Cache-Control"] = "no-store"
                return response
        return super().add_view(request, form_url, extra_context)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            agent_key_revoke(key=key, by=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
