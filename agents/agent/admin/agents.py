"""Agents in the admin: versioned edits, BDI state and memberships inline, lifecycle actions.

Inline rows are written through the services (save_formset), so the admin
audits exactly what the API audits.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.admin_grants import ObjectGrantsAdminMixin
from accounts.admin_permissions import ObjectPermissionAdminMixin, is_active_staff
from accounts.object_permissions import CHANGE, OPERATE, VIEW, has_object_permission
from agents.agent.models import NOT_RUNNING, Agent, AgentGroup, Membership
from agents.agent.services.agents import (
    UPDATABLE,
    agent_create,
    agent_delete,
    agent_role_check,
    agent_supervisor_check,
    agent_update,
)
from agents.agent.services.groups import (
    membership_add,
    membership_remove,
    membership_update,
)
from agents.agent.services.lifecycle import agent_transition
from agents.common.admin import apply_domain_error
from agents.common.errors import AgentInactive
from agents.common.validation import check_json, check_slug
from agents.messaging.models import Subscription
from agents.messaging.selectors import inbox_latest
from agents.messaging.services.subscriptions import subscription_create, subscription_delete
from agents.organization.access import organizations_for
from agents.organization.selectors import role_list
from agents.reasoning.events.selectors import event_pending_latest, runtime_get
from agents.reasoning.mind import agent_mind
from agents.reasoning.models import Belief, Goal
from agents.reasoning.services.beliefs import belief_delete, belief_set
from agents.reasoning.services.goals import goal_create, goal_delete, goal_parent_check, goal_update
from agents.supervision.health import health_of
from agents.supervision.tables import agent_state
from mabos.errors import DomainError
from mabos.storable.forms import STORABLE_FORMFIELDS


def latest_deliveries_html(agent: Agent) -> str:
    """The agent page's timeline: its latest incoming messages and each delivery's status."""
    lines = [(d.sent_at.strftime("%Y-%m-%d %H:%M:%S"), d.message.sender_label, d.message.performative, d.status,
              d.attempts, d.last_error or "") for d in inbox_latest(agent=agent)]
    if not lines:
        return "—"
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            lines)
    return format_html("<table><tr><th>sent</th><th>from</th><th>act</th><th>status</th><th>attempts</th>"
                       "<th>last error</th></tr>{}</table>", body)


#: Characters of an event's args shown on the agent page (the API has them whole).
ARGS_SHOWN = 120


def pending_events_html(agent: Agent) -> str:
    """The agent page's queue: its runtime row (due or idle) and the oldest pending events, read-only."""
    runtime = runtime_get(agent=agent)
    if runtime is None:
        return "— (an external agent: it never runs the cycle)"
    events, pending = event_pending_latest(agent=agent)
    due = (f"due since {runtime.wake_at:%Y-%m-%d %H:%M:%S}" if runtime.wake_at else "idle (nothing to do)")
    state = format_html("<p>{}; {} cycle(s); {} pending event(s){}</p>", due, runtime.cycle_count, pending,
                        format_html("; last error: {}", runtime.last_error) if runtime.last_error else "")
    if not events:
        return state
    lines = [(e.id, e.created_at.strftime("%Y-%m-%d %H:%M:%S"), e.kind,
              f"{e.source} {e.source_name}".strip() if e.source != "message" else f"message {e.message_id}",
              _short_json(e.args)) for e in events]
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td><code>{}</code></td></tr>",
                            lines)
    more = format_html("<p>… and {} more (agents/{}/events/ lists them all)</p>", pending - len(events), agent.pk) \
        if pending > len(events) else ""
    return format_html("{}<table><tr><th>#</th><th>created</th><th>kind</th><th>source</th><th>args</th></tr>"
                       "{}</table>{}", state, body, more)


def _short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= ARGS_SHOWN else text[:ARGS_SHOWN - 1] + "…"


class AgentForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agent
        fields = ["organization", "role", "name", "slug", "kind", "supervisor", "config"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # An unsaved agent has its pk already (the UUID default): whether it exists is ``_state.adding``.
        if not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            if data.get("slug"):
                check_slug("slug", data["slug"])
            check_json("config", data.get("config"))
            org = data.get("organization") or (self.instance.organization if self.instance.organization_id else None)
            if org is not None and data.get("role") is not None:
                agent_role_check(org, data["role"])
            if org is not None:
                agent_supervisor_check(None if self.instance._state.adding else self.instance, org.pk,
                                       data.get("supervisor"))
            if not self.instance._state.adding:  # the version check is an edit's: a new agent has none yet
                current = Agent.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
                if data.get("expected_version") != current:
                    self.add_error(None, "Someone else changed this agent since you opened it; reload the page.")
        except DomainError as exc:
            apply_domain_error(self, exc)
        return data


class BeliefInlineForm(forms.ModelForm):
    class Meta:
        model = Belief
        fields = ["key", "value", "confidence", "source"]

    def clean_value(self) -> Any:
        try:
            return check_json("value", self.cleaned_data.get("value"))
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None


class BeliefInline(admin.TabularInline):
    model = Belief
    form = BeliefInlineForm
    formfield_overrides = STORABLE_FORMFIELDS
    extra = 0


class GoalInlineForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["name", "kind", "priority", "status", "parent", "deadline"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        agent_id = getattr(self.instance, "agent_id", None)
        if agent_id and self.instance._state.adding and self.has_changed():
            status = Agent.objects.filter(pk=agent_id).values_list("status", flat=True).first()
            if status in NOT_RUNNING:  # goal_create would refuse it (409 agent_inactive): say so on the form
                self.add_error(None, AgentInactive(agent_id, status, doing="adopt goals").detail)
        if agent_id and data.get("parent") is not None:
            try:
                goal_parent_check(agent_id, None if self.instance._state.adding else self.instance, data["parent"])
            except DomainError as exc:
                apply_domain_error(self, exc)
        return data


class GoalInline(admin.TabularInline):
    model = Goal
    form = GoalInlineForm
    fk_name = "agent"
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Agent | None = None, **kwargs: Any) -> Any:
        request._agents_admin_obj = obj  # so the parent dropdown holds only this agent's goals
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            obj = getattr(request, "_agents_admin_obj", None)
            kwargs["queryset"] = Goal.objects.filter(agent=obj) if obj else Goal.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["group", "role"]
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Agent | None = None, **kwargs: Any) -> Any:
        request._agents_admin_obj = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "group":
            obj = getattr(request, "_agents_admin_obj", None)
            kwargs["queryset"] = AgentGroup.objects.filter(organization_id=obj.organization_id) if obj \
                else AgentGroup.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SubscriptionInline(admin.TabularInline):
    """The topics the agent listens to; a change is a delete and a create (each audited).

    Governed by the agent's object permissions, as in the API: view to see them, change to edit them.
    Django also asks without an agent (to build the queryset): the agent page itself is already guarded.
    """

    model = Subscription
    fields = ["topic_pattern", "performative"]
    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return request.user.is_staff if obj is None else has_object_permission(request.user, VIEW, obj)

    def has_add_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return request.user.is_staff if obj is None else has_object_permission(request.user, CHANGE, obj)

    def has_change_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return self.has_add_permission(request, obj)


@admin.register(Agent)
class AgentAdmin(ObjectGrantsAdminMixin, ObjectPermissionAdminMixin, admin.ModelAdmin):
    form = AgentForm
    formfield_overrides = STORABLE_FORMFIELDS
    list_display = ["name", "organization", "role", "kind", "status", "supervisor", "version", "heartbeat_at"]
    list_filter = [("organization", RelatedOnlyFieldListFilter), ("role", RelatedOnlyFieldListFilter),
                   "status", "kind"]
    list_select_related = ["organization", "role", "supervisor"]
    search_fields = ["name", "slug"]
    readonly_fields = ["status", "version", "heartbeat_at", "created_by", "created_at", "updated_at",
                       "latest_deliveries", "pending_events", "supervision_state"]
    inlines = [BeliefInline, GoalInline, MembershipInline, SubscriptionInline]
    actions = ["pause", "resume", "restart"]
    change_form_template = "admin/agents/agent/change_form.html"  # its mind: goal tree, intentions, cycles

    class Media:
        css = {"all": ["mabos/mind.css", "mabos/supervision.css"]}  # classes, no inline style (the CSP)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Agent | None = None) -> Any:
        """The agent's mind, read per request (nothing kept on ``self``: one instance serves every thread)."""
        if obj is not None and obj.pk:
            context["mind"] = agent_mind(agent=obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description="latest messages to this agent")
    def latest_deliveries(self, obj: Agent) -> str:
        return "—" if obj._state.adding else latest_deliveries_html(obj)

    @admin.display(description="pending events (what its next cycles reason about)")
    def pending_events(self, obj: Agent) -> str:
        return "—" if obj._state.adding else pending_events_html(obj)

    @admin.display(description="supervision")
    def supervision_state(self, obj: Agent) -> str:
        return "—" if obj._state.adding else agent_state(health_of([obj])[0])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_active_staff(request.user)  # the organization dropdown holds what they may change

    def get_readonly_fields(self, request: HttpRequest, obj: Agent | None = None) -> list[str]:
        # An agent never moves between organizations: its grants, groups and supervisor depend on it.
        return [*self.readonly_fields, "organization"] if obj else list(self.readonly_fields)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            kwargs["queryset"] = role_list(user=request.user)
        if db_field.name == "organization":
            kwargs["queryset"] = organizations_for(request.user, "change")
            return super(ObjectPermissionAdminMixin, self).formfield_for_foreignkey(db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {k: data[k] for k in UPDATABLE if k in form.changed_data}
            updated = agent_update(agent=Agent.objects.get(pk=obj.pk), by=request.user,
                                                  expected_version=data["expected_version"], **changed)
            obj.version = updated.version
        else:
            created = agent_create(
                organization=data["organization"], role=data["role"], name=data["name"], slug=data.get("slug"),
                kind=data["kind"], supervisor=data.get("supervisor"), config=data.get("config") or {},
                by=request.user)
            obj.pk, obj.version = created.pk, created.version
            obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows go through the services, audited like the API's writes."""
        agent = Agent.objects.get(pk=form.instance.pk)
        by = request.user
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, Belief):
                belief_delete(belief=obj, by=by)
            elif isinstance(obj, Goal):
                goal_delete(goal=obj, by=by)
            elif isinstance(obj, Membership):
                membership_remove(membership=obj, by=by)
            elif isinstance(obj, Subscription):
                subscription_delete(subscription=obj, by=by)
        for obj in instances:
            if isinstance(obj, Belief):
                renamed = Belief.objects.filter(pk=obj.pk).exclude(key=obj.key).first() \
                    if not obj._state.adding else None
                if renamed is not None:  # a key is the belief's identity: renaming is delete + set
                    belief_delete(belief=renamed, by=by)
                belief_set(agent=agent, key=obj.key, value=obj.value, confidence=obj.confidence,
                               source=obj.source, by=by)
            elif isinstance(obj, Goal):
                fields = {f: getattr(obj, f) for f in ("name", "kind", "priority", "status", "parent", "deadline")}
                if obj._state.adding:
                    goal_create(agent=agent, by=by, **fields)
                else:
                    goal_update(goal=obj, by=by, **fields)
            elif isinstance(obj, Membership):
                if obj._state.adding:
                    membership_add(group=obj.group, agent=agent, role=obj.role, by=by)
                else:
                    membership_update(membership=obj, role=obj.role, by=by)
            elif isinstance(obj, Subscription):
                if not obj._state.adding:
                    subscription_delete(subscription=Subscription.objects.get(pk=obj.pk), by=by)
                subscription_create(agent=agent, topic_pattern=obj.topic_pattern, performative=obj.performative,
                                    by=by)
        formset.new_objects, formset.changed_objects = [], []

    def delete_model(self, request: HttpRequest, obj: Agent) -> None:
        agent_delete(agent=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            agent_delete(agent=obj, by=request.user)

    def _lifecycle(self, request: HttpRequest, queryset: Any, action: str) -> None:
        done, refused = 0, []
        for agent in queryset:
            if not has_object_permission(request.user, OPERATE, agent):
                refused.append(f"{agent}: you may not operate it")
                continue
            try:
                agent_transition(agent=agent, action=action, by=request.user, reason=f"admin action {action}")
                done += 1
            except DomainError as exc:
                refused.append(f"{agent}: {exc.detail}")
        if done:
            self.message_user(request, f"{action.capitalize()}d {done} agent(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description="Pause the selected agents")
    def pause(self, request: HttpRequest, queryset: Any) -> None:
        self._lifecycle(request, queryset, "pause")

    @admin.action(description="Resume the selected agents")
    def resume(self, request: HttpRequest, queryset: Any) -> None:
        self._lifecycle(request, queryset, "resume")

    @admin.action(description="Restart the selected agents")
    def restart(self, request: HttpRequest, queryset: Any) -> None:
        self._lifecycle(request, queryset, "restart")
