"""The admin of agent groups: the list, scoped to the organizations the user may see, and the members."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from agents.agent.models import AgentGroup, Membership
from agents.agent.selectors import group_list
from agents.agent.services.groups import group_create, group_delete, group_update
from agents.common.admin import OrganizationScopedAdmin
from agents.supervision.health import group_health
from agents.supervision.tables import health_table, policy_link


class MemberInline(admin.TabularInline):
    model = Membership
    fields = ["agent", "role", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("agent", "group")  # its title names both


@admin.register(AgentGroup)
class AgentGroupAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "organization", "member_count"]
    list_filter = [("organization", RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    fields = ["organization", "name", "purpose"]
    inlines = [MemberInline]

    class Media:
        css = {"all": ["mabos/supervision.css"]}  # the members' health table: classes, no inline style (the CSP)

    @admin.display(description="members")
    def member_count(self, obj: AgentGroup) -> int:
        return obj.member_count

    def get_queryset(self, request: HttpRequest) -> Any:
        return group_list(user=request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.fields, "group_policy", "member_health"] if obj else list(self.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["organization", "group_policy", "member_health"] if obj else []

    @admin.display(description="supervisor policy")
    def group_policy(self, obj: AgentGroup) -> str:
        """The group's own policy, or a link to give it one (its members fall back to the organization's)."""
        policy = getattr(obj, "supervisor_policy", None) if obj.pk else None
        if policy is not None:
            return policy_link(policy)
        add = reverse("admin:agents_supervisorpolicy_add") + f"?organization={obj.organization_id}&group={obj.pk}"
        return format_html('none of its own (its members follow the organization\'s default, if any): '
                           '<a href="{}">give it one</a>', add)

    @admin.display(description="members' health (supervision)")
    def member_health(self, obj: AgentGroup) -> str:
        return health_table(group_health(group=obj)) if obj.pk else "—"

    def save_model(self, request: HttpRequest, obj: AgentGroup, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in ("name", "purpose") if k in form.cleaned_data}
        if change:
            group_update(group=AgentGroup.objects.get(pk=obj.pk), by=request.user, **data)
        else:
            created = group_create(organization=form.cleaned_data["organization"], by=request.user, **data)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_one(self, request: HttpRequest, obj: AgentGroup) -> None:
        group_delete(group=obj, by=request.user)
