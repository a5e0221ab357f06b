"""Roles and groups in the admin: visible and changeable through their organization's grants."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.http import HttpRequest

from accounts.object_permissions import CHANGE, VIEW, has_object_permission
from agents import selectors
from agents.access import organizations_for, role_template_allowed, role_write_require
from agents.admin.forms import apply_domain_error
from agents.models import AgentGroup, AgentRole, Membership
from agents.services import groups, roles
from mabos.errors import DomainError, PermissionDenied
from mabos.storable_forms import STORABLE_FORMFIELDS


class _ThroughOrganization:
    """Permissions of objects that belong to an organization (or, with none, need the model permission).

    Each admin that uses it defines ``delete_one(request, obj)``: the audited delete service of its model,
    called once per object by the delete view and by "Delete selected".
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None or obj.organization_id is None:
            return self.has_module_permission(request)
        return has_object_permission(request.user, VIEW, obj.organization)

    def global_allowed(self, request: HttpRequest, verb: str) -> bool:
        """Writing an object that belongs to no organization; nobody, unless a subclass names the rule."""
        return False

    def _write_allowed(self, request: HttpRequest, obj: Any, verb: str) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        if obj.organization_id is None:
            return self.global_allowed(request, verb)
        return has_object_permission(request.user, CHANGE, obj.organization)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._write_allowed(request, obj, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._write_allowed(request, obj, "delete")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organization":
            kwargs["queryset"] = organizations_for(request.user, CHANGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_one(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """"Delete selected": one service call (and one audit event) per object, never a bulk delete.

        Django has already checked the delete permission on every selected object.
        A refusal (say, a role that an agent took in the meantime) keeps that
        object and is shown; the others are still deleted.
        """
        for obj in queryset:
            try:
                self.delete_one(request, obj)
            except DomainError as exc:
                self.message_user(request, f"{obj} was kept: {exc.detail}", messages.WARNING)


class RoleForm(forms.ModelForm):
    """The service's rules for a role's defaults, checked while the form can still show them on the field."""

    class Meta:
        model = AgentRole
        fields = ["organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, rule in (("default_goals", roles.clean_default_goals),
                           ("default_beliefs", roles.clean_default_beliefs)):
            if name in data:
                try:
                    rule(name, data[name])
                except DomainError as exc:
                    apply_domain_error(self, exc)
        return data


@admin.register(AgentRole)
class AgentRoleAdmin(_ThroughOrganization, admin.ModelAdmin):
    form = RoleForm
    formfield_overrides = STORABLE_FORMFIELDS
    model_name = "agentrole"
    list_display = ["name", "slug", "organization"]
    list_filter = [("organization", RelatedOnlyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["name", "slug"]
    fields = ["organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.role_list(user=request.user)

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
        """The same rule as the API (agents.access.role_write_require), checked again at the write."""
        organization = form.cleaned_data.get("organization") if not change else \
            (obj.organization if obj.organization_id else None)
        try:
            role_write_require(request.user, "change" if change else "add", organization=organization)
        except PermissionDenied as exc:
            raise AdminPermissionDenied(exc.detail) from exc
        data = {k: form.cleaned_data[k] for k in ("name", "slug", "responsibilities", "default_goals",
                                                   "default_beliefs") if k in form.cleaned_data}
        if change:
            roles.role_update(role=AgentRole.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            created = roles.role_create(organization=form.cleaned_data.get("organization"), by=request.user, **data)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_one(self, request: HttpRequest, obj: AgentRole) -> None:
        roles.role_delete(role=obj, by=request.user)


class MemberInline(admin.TabularInline):
    model = Membership
    fields = ["agent", "role", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("agent")


@admin.register(AgentGroup)
class AgentGroupAdmin(_ThroughOrganization, admin.ModelAdmin):
    list_display = ["name", "organization", "member_count"]
    list_filter = [("organization", RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    fields = ["organization", "name", "purpose"]
    inlines = [MemberInline]

    @admin.display(description="members")
    def member_count(self, obj: AgentGroup) -> int:
        return obj.member_count

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.group_list(user=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["organization"] if obj else []

    def save_model(self, request: HttpRequest, obj: AgentGroup, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in ("name", "purpose") if k in form.cleaned_data}
        if change:
            groups.group_update(group=AgentGroup.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            created = groups.group_create(organization=form.cleaned_data["organization"], by=request.user, **data)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_one(self, request: HttpRequest, obj: AgentGroup) -> None:
        groups.group_delete(group=obj, by=request.user)
