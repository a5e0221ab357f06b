"""Organizations in the admin: their agents inline (read-only), the onboarding form, and the org chart.

``<id>/chart/`` (``admin:agents_organization_chart``, the "Org chart" button of the change page and the
list's column) draws the organization as an org chart: who reports to whom (a tree by supervisor), its roles
and their holders, its groups and their members, each agent with its status and health and linked to its
page. Server-rendered nested lists styled by mabos/static/mabos/org_chart.css (classes only: the CSP), in a
fixed number of queries whatever the number of agents (agents.agent.org_chart, agents.supervision.health).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.admin_grants import ObjectGrantsAdminMixin
from accounts.admin_permissions import ObjectPermissionAdminMixin
from agents.agent.models import Agent
from agents.agent.org_chart import org_chart
from agents.common.admin import OrganizationScopedAdmin, apply_domain_error, run_service
from agents.common.validation import check_json, check_slug
from agents.onboarding.forms import OnboardForm
from agents.onboarding.services import organization_onboard
from agents.organization.access import organization_create_allowed, role_template_allowed, role_write_require
from agents.organization.models import AgentRole, Organization
from agents.organization.selectors import organization_get, role_list
from agents.organization.services.organizations import organization_create, organization_delete, organization_update
from agents.organization.services.roles import (
    clean_default_beliefs,
    clean_default_goals,
    role_create,
    role_delete,
    role_update,
)
from agents.supervision.health import health_of
from agents.supervision.tables import health_badge
from mabos.errors import DomainError, NotFound, PermissionDenied
from mabos.storable.forms import STORABLE_FORMFIELDS

EDITABLE = ("name", "slug", "industry", "description", "profile")


class OrganizationForm(forms.ModelForm):
    """The service's own rules, checked while the form can still show them next to the field."""

    class Meta:
        model = Organization
        fields = list(EDITABLE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            if data.get("slug"):
                check_slug("slug", data["slug"])
            check_json("profile", data.get("profile"))
        except DomainError as exc:
            apply_domain_error(self, exc)
        return data


class AgentInline(admin.TabularInline):
    """Read-only here: agents are created and changed on their own page (versioned, audited)."""

    model = Agent
    fields = ["name", "slug", "role", "kind", "status", "supervisor", "heartbeat_at"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("role", "supervisor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(ObjectGrantsAdminMixin, ObjectPermissionAdminMixin, admin.ModelAdmin):
    form = OrganizationForm
    grants_on_change_page = True  # who may view, change, operate and delete it, under its form
    formfield_overrides = STORABLE_FORMFIELDS
    list_display = ["name", "slug", "industry", "created_at", "chart_link"]
    search_fields = ["name", "slug", "industry"]
    fields = ["name", "slug", "industry", "description", "profile", "created_by", "created_at", "updated_at"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [AgentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return organization_create_allowed(request.user)

    def get_urls(self) -> list:
        onboard = path("onboard/", self.admin_site.admin_view(self.onboard_view), name="agents_organization_onboard")
        chart = path("<uuid:pk>/chart/", self.admin_site.admin_view(self.chart_view), name="agents_organization_chart")
        return [onboard, chart, *super().get_urls()]

    @admin.display(description="org chart")
    def chart_link(self, obj: Organization) -> str:
        return format_html('<a href="{}">org chart</a>', reverse("admin:agents_organization_chart", args=[obj.pk]))

    def chart_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        """The org chart (see the module); 404 for an organization the caller may not view."""
        try:
            organization = organization_get(user=request.user, pk=pk)
        except NotFound:
            raise Http404("No such organization.") from None
        chart = org_chart(user=request.user, organization=organization)
        for entry, health in zip(chart.entries, health_of([entry.agent for entry in chart.entries]), strict=True):
            entry.health = health_badge(health)
        agents_url = reverse("admin:agents_agent_changelist") + f"?organization__id__exact={organization.pk}"
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": organization,
                   "title": f"{organization.name}: org chart", "subtitle": None, "chart": chart,
                   "agents_url": agents_url}
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/agents/organization/chart.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        if self.has_add_permission(request):
            extra["onboard_url"] = reverse("admin:agents_organization_onboard")
        return super().changelist_view(request, extra_context=extra)

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        """The admin door to the same onboarding service as POST /api/v1/organizations/onboard/."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = OnboardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            org = run_service(form, lambda: organization_onboard(by=request.user, **form.service_kwargs()))
            if org is not None:
                self.message_user(request, f"Onboarded {org.name} with {org.agents.count()} agents.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:agents_organization_change", args=[org.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Onboard a business",
                   "opts": self.model._meta}
        return render(request, "admin/agents/organization/onboard.html", context)

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in EDITABLE if name in form.cleaned_data}
        if change:
            organization_update(organization=obj, by=request.user, **data)
        else:
            created = organization_create(by=request.user, **data)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Organization) -> None:
        organization_delete(organization=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            organization_delete(organization=obj, by=request.user)


class RoleForm(forms.ModelForm):
    """The service's rules for a role's defaults, checked while the form can still show them on the field."""

    class Meta:
        model = AgentRole
        fields = ["organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs",
                  "adopts_told_plans"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, rule in (("default_goals", clean_default_goals),
                           ("default_beliefs", clean_default_beliefs)):
            if name in data:
                try:
                    rule(name, data[name])
                except DomainError as exc:
                    apply_domain_error(self, exc)
        return data


@admin.register(AgentRole)
class AgentRoleAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    form = RoleForm
    formfield_overrides = STORABLE_FORMFIELDS
    model_name = "agentrole"
    list_display = ["name", "slug", "organization", "adopts_told_plans"]
    list_filter = [("organization", RelatedOnlyFieldListFilter), "adopts_told_plans"]
    list_select_related = ["organization"]
    search_fields = ["name", "slug"]
    fields = ["organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs",
              "adopts_told_plans"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return role_list(user=request.user)

    def global_allowed(self, request: HttpRequest, verb: str) -> bool:
        return role_template_allowed(request.user, verb)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["organization"] if obj else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None or role_template_allowed(request.user, "add"):
            return form

        class OrganizationRoleForm(form):
            """Someone who may not create global templates: an empty organization is a form error."""

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if not data.get("organization") and "organization" not in self.errors:
                    self.add_error("organization", "Only administrators may create global role templates; "
                                                   "choose an organization.")
                return data

        return OrganizationRoleForm

    def save_model(self, request: HttpRequest, obj: AgentRole, form: Any, change: bool) -> None:
        """The same rule as the API (agents.organization.access.role_write_require), checked again at the write."""
        organization = form.cleaned_data.get("organization") if not change else \
            (obj.organization if obj.organization_id else None)
        try:
            role_write_require(request.user, "change" if change else "add", organization=organization)
        except PermissionDenied as exc:
            raise AdminPermissionDenied(exc.detail) from exc
        data = {k: form.cleaned_data[k] for k in ("name", "slug", "responsibilities", "default_goals",
                                                   "default_beliefs", "adopts_told_plans") if k in form.cleaned_data}
        if change:
            role_update(role=AgentRole.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            created = role_create(organization=form.cleaned_data.get("organization"), by=request.user, **data)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_one(self, request: HttpRequest, obj: AgentRole) -> None:
        role_delete(role=obj, by=request.user)
