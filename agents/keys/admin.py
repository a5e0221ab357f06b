"""Agent API keys in the admin: create (the key is shown once), revoke; never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from accounts.admin_permissions import is_active_staff
from accounts.object_permissions import CHANGE, VIEW, has_object_permission
from agents.agent.access import agents_for
from agents.agent.models import AgentKind
from agents.common.admin import QualifiedChoicesMixin
from agents.keys.models import AgentApiKey
from agents.keys.services import agent_key_create, agent_key_revoke

#: Where the raw key waits, server-side in the session, for the one page that shows it.
SHOW_ONCE_SESSION_PREFIX = "mabos_api_key_to_show:"


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

    def get_urls(self) -> list:
        created = path("<uuid:key_id>/created/", self.admin_site.admin_view(self.created_view),
                       name="agents_agentapikey_created")
        return [created, *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Create through the service, then redirect (POST/redirect/GET): a refresh of the page showing the key
        re-reads it instead of re-posting the form and minting a second key."""
        if request.method == "POST":
            form = ApiKeyAddForm(request.POST)
            form.fields["agent"].queryset = agents_for(request.user, CHANGE).filter(kind=AgentKind.EXTERNAL)
            if form.is_valid():
                key, raw = agent_key_create(agent=form.cleaned_data["agent"], by=request.user,
                                            name=form.cleaned_data["name"])
                request.session[f"{SHOW_ONCE_SESSION_PREFIX}{key.pk}"] = raw
                return HttpResponseRedirect(reverse("admin:agents_agentapikey_created", args=[key.pk]))
        return super().add_view(request, form_url, extra_context)

    def created_view(self, request: HttpRequest, key_id: Any) -> HttpResponse:
        """Shows the raw key once and forgets it: the session is the only place it was kept, and only until now."""
        key = get_object_or_404(self.get_queryset(request), pk=key_id)
        raw = request.session.pop(f"{SHOW_ONCE_SESSION_PREFIX}{key.pk}", None)
        context = {**self.admin_site.each_context(request), "agent": key.agent, "key": key, "raw_key": raw,
                   "title": "API key created", "opts": self.model._meta,
                   "back_url": reverse("admin:agents_agent_change", args=[key.agent_id])}
        response = render(request, "admin/agents/agentapikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            agent_key_revoke(key=key, by=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
