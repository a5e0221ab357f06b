"""Agents in the admin: the page about the agent (page.py), its send form (send.py), versioned edits behind
"Edit" (``?edit=1``), BDI state and memberships inline, lifecycle actions.

Inline rows are written through the services (save_formset), so the admin
audits exactly what the API audits.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpRequest
from django.urls import path

from accounts.admin_grants import ObjectGrantsAdminMixin
from accounts.admin_permissions import ObjectPermissionAdminMixin, is_active_staff
from accounts.object_permissions import CHANGE, OPERATE, VIEW, has_object_permission
from agents.agent.admin.page import EDIT_VAR, lifecycle_view, page_view
from agents.agent.admin.send import send_choose_view, send_view
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
from agents.common.admin import QualifiedChoicesMixin, apply_domain_error
from agents.common.errors import AgentInactive
from agents.common.validation import check_json, check_slug
from agents.messaging.models import Subscription
from agents.messaging.services.subscriptions import subscription_create, subscription_delete
from agents.organization.access import organizations_for
from agents.organization.selectors import role_list
from agents.reasoning.models import Belief, Goal
from agents.reasoning.services.beliefs import belief_delete, belief_set
from agents.reasoning.services.goals import goal_create, goal_delete, goal_parent_check, goal_update
from mabos.errors import DomainError
from mabos.storable.forms import STORABLE_FORMFIELDS


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


class MembershipInline(QualifiedChoicesMixin, admin.TabularInline):
    model = Membership
    fields = ["group", "role"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("agent", "group")  # its title names both

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
class AgentAdmin(ObjectGrantsAdminMixin, QualifiedChoicesMixin, ObjectPermissionAdminMixin, admin.ModelAdmin):
    form = AgentForm
    formfield_overrides = STORABLE_FORMFIELDS
    list_display = ["name", "organization", "role", "kind", "status", "supervisor", "version", "heartbeat_at"]
    list_filter = [("organization", RelatedOnlyFieldListFilter), ("role", RelatedOnlyFieldListFilter),
                   "status", "kind"]
    list_select_related = ["organization", "role", "supervisor"]
    search_fields = ["name", "slug"]
    readonly_fields = ["status", "version", "heartbeat_at", "created_by", "created_at", "updated_at"]
    inlines = [BeliefInline, GoalInline, MembershipInline, SubscriptionInline]
    actions = ["pause", "resume", "restart"]
    change_form_template = "admin/agents/agent/change_form.html"  # the edit form, with a way back to the page

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> Any:
        """A GET is the page about the agent (agents/agent/admin/page.py); ``?edit=1`` and every POST the form."""
        if request.method == "GET" and EDIT_VAR not in request.GET and IS_POPUP_VAR not in request.GET:
            return page_view(self, request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request: HttpRequest, obj: Agent) -> Any:
        """"Save and continue editing" stays on the form (Django would redirect to the change URL: the page)."""
        response = super().response_change(request, obj)
        if "_continue" in request.POST and response.status_code == 302 and EDIT_VAR not in response["Location"]:
            joiner = "&" if "?" in response["Location"] else "?"
            response["Location"] = f"{response['Location']}{joiner}{EDIT_VAR}=1"
        return response

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("send/", view(lambda request: send_choose_view(self, request)), name="agents_agent_send_choose"),
                path("<uuid:pk>/send/", view(lambda request, pk: send_view(self, request, pk)),
                     name="agents_agent_send"),
                path("<uuid:pk>/lifecycle/", view(lambda request, pk: lifecycle_view(self, request, pk)),
                     name="agents_agent_lifecycle"),
                *super().get_urls()]

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

    def agents_transition(self, request: HttpRequest, queryset: Any, action: str, reason: str = "") -> None:
        """Pause, resume or restart each agent the user may operate, through ``agent_transition`` (audited with
        the reason); the changelist's actions and the page's buttons. Refusals are shown, not raised."""
        done, refused = 0, []
        for agent in queryset:
            if not has_object_permission(request.user, OPERATE, agent):
                refused.append(f"{agent}: you may not operate it")
                continue
            try:
                agent_transition(agent=agent, action=action, by=request.user, reason=reason or f"admin action {action}")
                done += 1
            except DomainError as exc:
                refused.append(f"{agent}: {exc.detail}")
        if done:
            self.message_user(request, f"{action.capitalize()}d {done} agent(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description="Pause the selected agents")
    def pause(self, request: HttpRequest, queryset: Any) -> None:
        self.agents_transition(request, queryset, "pause")

    @admin.action(description="Resume the selected agents")
    def resume(self, request: HttpRequest, queryset: Any) -> None:
        self.agents_transition(request, queryset, "resume")

    @admin.action(description="Restart the selected agents")
    def restart(self, request: HttpRequest, queryset: Any) -> None:
        self.agents_transition(request, queryset, "restart")
