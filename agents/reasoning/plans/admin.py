"""Plans in the admin: written as text or as JSON, every version shown, every write through the services.

The add page takes a text of one or more plans (or one JSON document); the change page shows the current
version both ways, and whichever of the two is edited becomes the next version (``plan_revise``). Plans
are disabled, never deleted: their versions are the history of what agents ran.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from agents.common.admin import OrganizationScopedAdmin, ReadOnlyAdmin, apply_domain_error
from agents.common.limits import PLAN_LABEL_MAX
from agents.learning.charts import policy_in_force, recent_choices, stats_by_scope, success_series
from agents.learning.svg import COLOURS, success_svg
from agents.organization.models import AgentRole
from agents.reasoning.plans.access import plan_write_require, template_plans_allowed
from agents.reasoning.plans.document import document_clean
from agents.reasoning.plans.models import Plan, PlanVersion
from agents.reasoning.plans.selectors import current_version, plan_list
from agents.reasoning.plans.services import (
    plan_create,
    plan_disable,
    plan_document,
    plan_enable,
    plan_revise,
    plan_scope,
    scope_of,
)
from agents.reasoning.plans.text import plan_to_text, text_to_plans
from mabos.errors import DomainError, PermissionDenied
from mabos.storable.forms import StorableJSONField


class PlanForm(forms.ModelForm):
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
                           help_text="The text form (docs/reasoning.md): on this page one plan; when adding, "
                                     "one or more.")
    document = StorableJSONField(required=False, widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
                               help_text="Or the plan as a JSON document (label, trigger, args, context, body, "
                                         "atomic, source_order, learning).")
    label = forms.CharField(required=False, max_length=PLAN_LABEL_MAX,
                            help_text="Empty: named after the trigger. Or write @label in the text.")
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Plan
        fields = ["organization", "role", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.documents: list[dict[str, Any]] = []
        self.existing = not self.instance._state.adding  # a new Plan has its uuid already
        if self.existing:
            version = current_version(self.instance)
            document = plan_document(version, label=self.instance.label)
            self.fields["text"].initial = plan_to_text(document)
            self.fields["document"].initial = document
            self.fields["expected_version"].initial = version.version
        if "role" in self.fields:
            self.fields["role"].queryset = AgentRole.objects.filter(organization__isnull=True)
            self.fields["role"].help_text = "A global role template (administrators only); or an organization."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.existing and self.changed_data and \
                data.get("expected_version") != current_version(self.instance).version:
            self.add_error(None, "Someone else revised this plan since you opened it; reload the page.")
            return data
        try:
            self.documents = self._documents(data)
            scope = scope_of(self.instance) if self.existing else \
                plan_scope(organization=data.get("organization"), role=data.get("role"))
            for document in self.documents:
                document_clean(document, scope=scope)
            labels = [document.get("label") for document in self.documents if document.get("label")]
            if len(labels) != len(set(labels)):
                self.add_error("text", "Two plans of this text have the same label.")
        except DomainError as exc:
            apply_domain_error(self, exc)
        return data

    def _documents(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        edited = [name for name in ("text", "document") if name in self.changed_data and data.get(name)]
        if len(edited) == 2:
            self.add_error(None, "Change the text or the JSON document, not both.")
            return []
        if not edited:
            if not self.existing:
                self.add_error("text", "Write the plan as text, or as a JSON document below.")
            return []
        if edited == ["document"]:
            document = data["document"]
            if self.existing and isinstance(document, dict):
                document = {**document, "label": document.get("label", self.instance.label)}
            if not self.existing and data.get("label") and isinstance(document, dict):
                document = {**document, "label": document.get("label") or data["label"]}
            return [document]
        documents = text_to_plans(data["text"], field="text")
        if self.existing and len(documents) != 1:
            self.add_error("text", f"A new version is one plan; this text holds {len(documents)}.")
            return []
        if not documents:
            self.add_error("text", "This text holds no plan.")
        if len(documents) == 1 and not self.existing and data.get("label") and not documents[0]["label"]:
            documents[0]["label"] = data["label"]
        return documents


class PlanVersionInline(ReadOnlyAdmin, admin.TabularInline):
    """Every version, newest first, with its text: what each intention ran. Read-only; whoever may see the
    plan (PlanAdmin checked it) sees its versions."""

    model = PlanVersion
    fields = ["version", "is_current", "trigger_kind", "trigger_name", "source_order", "atomic", "used_at",
              "created_by", "created_at", "as_text"]
    readonly_fields = fields
    ordering = ["-version"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("plan", "created_by")

    @admin.display(description="text form")
    def as_text(self, version: PlanVersion) -> str:
        return format_html("<pre class='plan-text'>{}</pre>", plan_to_text(plan_document(version)))



@admin.register(Plan)
class PlanAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    form = PlanForm
    list_display = ["label", "scope", "current_trigger", "current_version", "enabled", "updated_at"]
    list_filter = ["enabled", ("organization", RelatedOnlyFieldListFilter)]
    list_select_related = ["organization", "role"]
    search_fields = ["label"]
    inlines = [PlanVersionInline]

    class Media:
        # the versions' text form, the learning chart and tables: classes, no inline style (the CSP)
        css = {"all": ["mabos/plans.css", "mabos/learning.css"]}

    def get_queryset(self, request: HttpRequest) -> Any:
        return plan_list(user=request.user)

    def global_allowed(self, request: HttpRequest, verb: str) -> bool:
        return template_plans_allowed(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            scope = ["organization", "role"] if template_plans_allowed(request.user) else ["organization"]
            return [*scope, "label", "text", "document"]
        return ["organization", "role", "label", "enabled", "text", "document", "expected_version"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["organization", "role", "label"] if obj else []

    @admin.display(description="scope")
    def scope(self, plan: Plan) -> str:
        return plan.scope_repr

    @admin.display(description="trigger")
    def current_trigger(self, plan: Plan) -> str:
        version = current_version(plan)
        return f"{version.trigger_kind} {version.trigger_name}"

    @admin.display(description="version")
    def current_version(self, plan: Plan) -> int:
        return current_version(plan).version

    def save_model(self, request: HttpRequest, obj: Plan, form: Any, change: bool) -> None:
        """The same rule as the API (plan_write_require), checked again at the write; the services write."""
        data = form.cleaned_data
        try:
            if change:
                plan = Plan.objects.select_related("organization", "role").get(pk=obj.pk)
                plan_write_require(request.user, plan=plan)
                self._revise(request, plan, form)
                if "enabled" in form.changed_data:
                    (plan_enable if data["enabled"] else plan_disable)(plan=plan, by=request.user)
                return
            plan_write_require(request.user, organization=data.get("organization"))
        except PermissionDenied as exc:
            raise AdminPermissionDenied(exc.detail) from exc
        created = [plan_create(document=document, organization=data.get("organization"), role=data.get("role"),
                               by=request.user) for document in form.documents]
        obj.pk = created[0].pk
        obj._state.adding = False
        if len(created) > 1:
            self.message_user(request, f"Created {len(created)} plans: {', '.join(p.label for p in created)}.",
                              messages.SUCCESS)

    def _revise(self, request: HttpRequest, plan: Plan, form: Any) -> None:
        if not form.documents:
            return
        current = current_version(plan)
        version = plan_revise(plan=plan, document=form.documents[0], by=request.user,
                              expected_version=form.cleaned_data.get("expected_version"))
        if version.pk != current.pk:
            self.message_user(request, f"Saved as version {version.version}; intentions running version "
                                       f"{current.version} finish on it.", messages.SUCCESS)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Plan | None = None) -> Any:
        """The Learning section, read per request (nothing kept on ``self``: one instance serves every thread)."""
        if obj is not None and obj.pk:
            context["learning"] = learning_context(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def delete_one(self, request: HttpRequest, obj: Plan) -> None:  # pragma: no cover - deletes are refused
        raise AdminPermissionDenied("Plans are disabled, not deleted.")


def learning_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    """What learning knows of ``plan`` (agents/learning/charts.py), as the change page shows it."""
    version = current_version(plan)
    chart = success_series(plan=plan, user=request.user)
    policy = policy_in_force(plan=plan, trigger_kind=version.trigger_kind, trigger_name=version.trigger_name)
    links: list[tuple[str, str, str]] = []
    if policy is not None and policy.row is not None:
        links.append((reverse("admin:agents_selectionpolicy_change", args=[policy.row.pk]), "plan-policy-change",
                      "Change this policy"))
    if policy is not None and policy.source != "trigger":
        # A policy of this trigger's own overrides the organization's default: the add page, filled in.
        links.append((reverse("admin:agents_selectionpolicy_add") + "?" + urlencode({
            "organization": plan.organization_id, "trigger_kind": version.trigger_kind,
            "trigger_name": version.trigger_name}), "plan-policy-add", "Give this trigger a policy of its own"))
    return {"svg": mark_safe(success_svg(chart)),  # noqa: S308  (success_svg escapes every text it draws)
            "series": [(f"lc-s{number % COLOURS}", series) for number, series in enumerate(chart.series)],
            "stats": list(stats_by_scope(plan=plan, user=request.user).items()),
            "policy": policy, "policy_links": links,
            "choices": recent_choices(plan=plan, user=request.user)}
