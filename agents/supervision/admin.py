"""Supervision in the admin: policies written through their services, the event log read-only.

A policy is checked as a whole by ``policy_create`` / ``policy_update`` (the cross-field rules, the escalation
agent and role, no escalation cycle), so the form calls the service as its last check: a refusal lands on the
field it names, with nothing written (the service's transaction rolled back); a success is the write, once,
audited by the service. ``save_model`` then only takes the result. Deletes, one or "Delete selected", go
through ``policy_delete`` (agents.common.admin.OrganizationScopedAdmin).

Who sees what: the policies and events of organizations the staff member may view; writing a policy takes
change on its organization.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.object_permissions import CHANGE
from agents.agent.access import agents_for
from agents.agent.models import AgentGroup
from agents.common.admin import (
    OrganizationScopedAdmin,
    QualifiedChoicesMixin,
    ReadOnlyAdmin,
    json_pretty,
    run_service,
)
from agents.organization.access import organizations_for
from agents.supervision.models import SupervisionEvent, SupervisorPolicy
from agents.supervision.selectors import policy_list, supervision_event_list
from agents.supervision.services.policies import CHANGEABLE, policy_create, policy_delete, policy_update
from agents.supervision.tables import escalation_words


class PolicyForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    #: Who writes: set by ``SupervisorPolicyAdmin.get_form`` on a class made for the request.
    by: Any = None

    class Meta:
        model = SupervisorPolicy
        fields = ["organization", "group", "strategy", "intensity", "period_seconds", "restart",
                  "backoff_min_seconds", "backoff_max_seconds", "backoff_jitter", "heartbeat_timeout_seconds",
                  "failure_threshold", "failure_window_seconds", "escalate_to", "escalate_agent", "escalate_role",
                  "reset_beliefs"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved: SupervisorPolicy | None = None
        if not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data  # the fields' own errors first: the service sees only well-formed values
        if self.instance._state.adding:
            fields = {name: data[name] for name in CHANGEABLE if name in data}
            self.saved = run_service(self, lambda: policy_create(
                organization=data["organization"], group=data.get("group"), by=self.by, **fields))
            return data
        changed = {name: data[name] for name in CHANGEABLE if name in self.changed_data}
        current = SupervisorPolicy.objects.get(pk=self.instance.pk)
        self.saved = run_service(self, lambda: policy_update(
            policy=current, by=self.by, expected_version=data.get("expected_version"),
            **changed)) if changed else current
        return data

    def validate_unique(self) -> None:
        """The service checked the constraints (with its own words), and has written the row: Django's own
        check would now find that row and call it a duplicate."""


@admin.register(SupervisorPolicy)
class SupervisorPolicyAdmin(QualifiedChoicesMixin, OrganizationScopedAdmin, admin.ModelAdmin):
    form = PolicyForm
    list_display = ["organization", "scope", "strategy", "limits", "restart", "escalation", "updated_at"]
    list_filter = [("organization", RelatedOnlyFieldListFilter), "strategy", "restart", "escalate_to"]
    search_fields = ["group__name", "organization__name"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return policy_list(user=request.user)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})  # one class per request: no shared state

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*PolicyForm.Meta.fields]
        return [*fields, "expected_version", "version", "created_at", "updated_at"] if obj else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A policy never moves: its group (or the organization default) is what it is the policy of.
        return ["organization", "group", *self.readonly_fields] if obj else list(self.readonly_fields)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "group":
            kwargs["queryset"] = AgentGroup.objects.filter(
                organization_id__in=organizations_for(request.user, CHANGE).values("pk")).select_related(
                "organization").order_by("organization__name", "name")
        elif db_field.name == "escalate_agent":
            kwargs["queryset"] = agents_for(request.user).select_related("organization").order_by(
                "organization__name", "name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="policy of", ordering="group__name")
    def scope(self, obj: SupervisorPolicy) -> str:
        return f"group {obj.group.name}" if obj.group_id else "organization default"

    @admin.display(description="intensity / period")
    def limits(self, obj: SupervisorPolicy) -> str:
        return f"{obj.intensity} in {obj.period_seconds} s"

    @admin.display(description="escalate to", ordering="escalate_to")
    def escalation(self, obj: SupervisorPolicy) -> str:
        return escalation_words(obj)

    def save_model(self, request: HttpRequest, obj: SupervisorPolicy, form: Any, change: bool) -> None:
        """The form's last check was the service's write (see the module): take its result."""
        obj.pk, obj.version = form.saved.pk, form.saved.version
        obj._state.adding = False

    def delete_one(self, request: HttpRequest, obj: SupervisorPolicy) -> None:
        policy_delete(policy=obj, by=request.user)


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The log of every signal, restart and escalation, newest first; append-only, so read-only here."""

    list_display = ["at", "kind", "agent", "organization", "policy_scope", "summary"]
    list_filter = ["kind", ("organization", RelatedOnlyFieldListFilter), ("agent", RelatedOnlyFieldListFilter)]
    search_fields = ["=agent__id", "agent__name"]
    fields = ["at", "kind", "organization", "agent", "policy", "what", "detail_json"]
    readonly_fields = fields
    show_full_result_count = False
    actions = None

    class Media:
        css = {"all": ["mabos/supervision.css"]}  # classes, no inline style (the CSP)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return supervision_event_list(user=request.user).select_related("policy__group")

    @admin.display(description="policy")
    def policy_scope(self, obj: SupervisionEvent) -> str:
        if obj.policy is None:
            return "—"
        return f"group {obj.policy.group.name}" if obj.policy.group_id else "organization default"

    @admin.display(description="detail")
    def summary(self, obj: SupervisionEvent) -> str:
        detail = obj.detail or {}
        return ", ".join(f"{key} {_short(value)}" for key, value in sorted(detail.items()))[:200]

    @admin.display(description="what happened")
    def what(self, obj: SupervisionEvent) -> str:
        detail = obj.detail or {}
        if not detail:
            return "—"
        return format_html('<table class="supervision-detail"><tbody>{}</tbody></table>', format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((key, _short(value)) for key, value in sorted(detail.items()))))

    @admin.display(description="detail (JSON)")
    def detail_json(self, obj: SupervisionEvent) -> str:
        return json_pretty(obj.detail)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
