"""Learning in the admin: selection policies and group sharing switches written through their services, plan
outcomes and statistics read-only.

A policy (or a switch) is checked as a whole by its service (agents/learning/services/policies.py), so the form
calls the service as its last check, in place of the model's own checks: a refusal (a negative weight, a trigger
with a kind and no name, a second default) lands on the field the service names, with nothing written (the
service's transaction rolled back); a success is the write, once, audited by the service. ``save_model`` then
only takes the result. The model's own constraint checks are not run by the form: they would say the same in
other words, on no field, or find the row the service has just written and call it a duplicate.

Who sees what: the rows of organizations the staff member may view; writing takes change on the organization.
Outcomes and statistics are written by the cycle and the roll-up only: nobody adds, changes or deletes them here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest

from accounts.admin_permissions import is_active_staff
from accounts.object_permissions import CHANGE, VIEW, has_object_permission
from agents.agent.models import AgentGroup
from agents.common.admin import OrganizationScopedAdmin, ReadOnlyAdmin, run_service
from agents.learning.models import GroupLearning, PlanOutcome, PlanStats, SelectionPolicy
from agents.learning.services.policies import (
    CHANGEABLE,
    group_sharing_set,
    selection_policy_create,
    selection_policy_delete,
    selection_policy_update,
)
from agents.organization.access import organizations_for
from agents.reasoning.plans.models import PlanAdoption
from agents.reasoning.plans.triggers import TriggerKind


class ServiceForm(forms.ModelForm):
    """A model form whose last check is its service's write (``write``), in place of the model's checks."""

    #: Who writes: set by the admin's ``get_form`` on a class made for the request.
    by: Any = None
    #: Each subclass's service call, given the cleaned data: what saving the form means (no default: a
    #: form without one fails at its first save, not silently).
    write: Callable[[dict[str, Any]], Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved: Any = None

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as exc:
            self._update_errors(exc)
        if not self.errors:  # the fields' own errors first: the service sees only well-formed values
            self.saved = run_service(self, lambda: self.write(self.cleaned_data))



class SelectionPolicyForm(ServiceForm):
    trigger_kind = forms.ChoiceField(required=False, choices=[("", "— (the organization's default)"),
                                                              *TriggerKind.choices])
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SelectionPolicy
        fields = ["organization", "trigger_kind", "trigger_name", "policy", "shared_weight"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

    def write(self, data: dict[str, Any]) -> SelectionPolicy:
        if self.instance._state.adding:
            return selection_policy_create(
                organization=data["organization"], by=self.by, trigger_kind=data.get("trigger_kind") or "",
                trigger_name=data.get("trigger_name") or "", policy=data["policy"],
                shared_weight=data["shared_weight"])
        current = SelectionPolicy.objects.get(pk=self.instance.pk)
        changed = {name: data[name] for name in CHANGEABLE if name in self.changed_data}
        if not changed:
            return current
        return selection_policy_update(policy=current, by=self.by, expected_version=data.get("expected_version"),
                                       changes=changed)


class _ServiceAdmin:
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})  # one class per request: no shared state


@admin.register(SelectionPolicy)
class SelectionPolicyAdmin(_ServiceAdmin, OrganizationScopedAdmin, admin.ModelAdmin):
    form = SelectionPolicyForm
    list_display = ["organization", "applies_to", "policy", "shared_weight", "version", "updated_at"]
    list_filter = [("organization", RelatedOnlyFieldListFilter), "policy"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "trigger_name"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(organization_id__in=organizations_for(request.user, VIEW)
                                                    .values("pk")).select_related("organization")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*SelectionPolicyForm.Meta.fields]
        return [*fields, "expected_version", "version", "created_at", "updated_at"] if obj else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A policy never moves: the trigger (or the organization's default) is what it is the policy of.
        moved = ["organization", "trigger_kind", "trigger_name"] if obj else []
        return [*moved, *self.readonly_fields]

    @admin.display(description="applies to", ordering="trigger_kind")
    def applies_to(self, obj: SelectionPolicy) -> str:
        return f"{obj.trigger_kind} {obj.trigger_name}" if obj.trigger_kind else "organization default"

    def save_model(self, request: HttpRequest, obj: SelectionPolicy, form: Any, change: bool) -> None:
        """The form's last check was the service's write (see the module): take its result."""
        obj.pk, obj.version = form.saved.pk, form.saved.version
        obj._state.adding = False

    def delete_one(self, request: HttpRequest, obj: SelectionPolicy) -> None:
        selection_policy_delete(policy=obj, by=request.user)


class GroupLearningForm(ServiceForm):
    class Meta:
        model = GroupLearning
        fields = ["group", "sharing"]

    def write(self, data: dict[str, Any]) -> GroupLearning:
        group = data["group"] if self.instance._state.adding else self.instance.group
        return group_sharing_set(group=group, sharing=data["sharing"], by=self.by)


@admin.register(GroupLearning)
class GroupLearningAdmin(_ServiceAdmin, admin.ModelAdmin):
    """A group's experience sharing switch (no row: the group shares). Switched, never deleted."""

    form = GroupLearningForm
    list_display = ["group", "organization", "sharing", "updated_at"]
    list_filter = ["sharing"]
    list_select_related = ["group__organization"]
    search_fields = ["group__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(
            group__organization_id__in=organizations_for(request.user, VIEW).values("pk"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["group", "sharing", "updated_at"] if obj else ["group", "sharing"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["group", "updated_at"] if obj else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "group":
            kwargs["queryset"] = AgentGroup.objects.filter(
                organization_id__in=organizations_for(request.user, CHANGE).values("pk")).select_related(
                "organization").order_by("organization__name", "name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="organization", ordering="group__organization__name")
    def organization(self, obj: GroupLearning) -> str:
        return obj.group.organization.name

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_active_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return has_object_permission(request.user, VIEW, obj.group.organization)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return has_object_permission(request.user, CHANGE, obj.group.organization)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: GroupLearning, form: Any, change: bool) -> None:
        obj.pk = form.saved.pk
        obj._state.adding = False


@admin.register(PlanStats)
class PlanStatsAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """What the roll-up counted, per scope x plan x context key; written by the roll-up only."""

    list_display = ["plan", "scope", "scope_id", "organization", "count", "successes", "rate_words",
                    "weight_success", "weight_failure", "updated_at"]
    list_filter = ["scope", ("organization", RelatedOnlyFieldListFilter)]
    list_select_related = ["plan", "organization"]
    search_fields = ["plan__label", "=scope_id"]
    show_full_result_count = False
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(organization_id__in=organizations_for(request.user, VIEW)
                                                    .values("pk"))

    @admin.display(description="rate")
    def rate_words(self, obj: PlanStats) -> str:
        return "—" if obj.rate is None else f"{obj.rate:.0%}"


@admin.register(PlanOutcome)
class PlanOutcomeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every finished plan frame, newest first: append-only (a database trigger refuses changes)."""

    list_display = ["created_at", "plan", "agent", "organization", "success", "reward", "cost", "duration_ms",
                    "error", "rolled_at"]
    list_filter = ["success", ("organization", RelatedOnlyFieldListFilter), "trigger_kind"]
    list_select_related = ["plan", "agent", "organization"]
    search_fields = ["plan__label", "agent__name", "=intention_id"]
    show_full_result_count = False
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(organization_id__in=organizations_for(request.user, VIEW)
                                                    .values("pk"))


@admin.register(PlanAdoption)
class PlanAdoptionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Plans agents adopted when a group member told them (tellHow); written by the cycle only."""

    list_display = ["adopted_at", "agent", "plan", "version", "told_by"]
    list_select_related = ["agent", "plan", "version", "told_by"]
    search_fields = ["plan__label", "agent__name"]
    show_full_result_count = False
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(agent__organization_id__in=organizations_for(request.user, VIEW)
                                                    .values("pk"))
