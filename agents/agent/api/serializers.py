"""API shapes of agents, groups and memberships."""

from __future__ import annotations

from rest_framework import serializers

from agents.agent.models import Agent, AgentGroup, AgentKind, Membership, MembershipRole
from agents.common.api import JSON_OBJECT
from agents.common.limits import NAME_MAX, NOTE_MAX, REASON_MAX, SLUG_MAX
from mabos.api.links import link
from mabos.api.serializers import InputSerializer


class AgentOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()
    organization_slug = serializers.CharField(source="organization.slug", read_only=True)
    organization_url = serializers.SerializerMethodField()
    role_slug = serializers.CharField(source="role.slug", read_only=True)
    inbox = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        fields = ["id", "url", "display", "organization", "organization_slug", "organization_url", "role",
                  "role_slug", "name", "slug", "kind", "status", "supervisor", "heartbeat_at", "config", "version",
                  "created_at", "updated_at", "inbox", "messages"]

    def get_url(self, obj: Agent) -> str:
        return link("agent-detail", obj.pk)

    def get_display(self, obj: Agent) -> str:
        """The agent as a person names it: "CEO — Demo Online Retailer" (names repeat across organizations)."""
        return f"{obj.name} — {obj.organization.name}"

    def get_organization_url(self, obj: Agent) -> str:
        return link("organization-detail", obj.organization_id)

    def get_inbox(self, obj: Agent) -> str:
        return link("agent-inbox", obj.pk)

    def get_messages(self, obj: Agent) -> str:
        """Every message it sent or received that you may view: the messages list, filtered."""
        return link("message-list", agent=obj.pk)


class GroupOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    display = serializers.CharField(source="name", read_only=True)
    member_count = serializers.IntegerField(read_only=True, required=False)
    members = serializers.SerializerMethodField()

    class Meta:
        model = AgentGroup
        fields = ["id", "url", "display", "organization", "name", "purpose", "member_count", "members",
                  "created_at", "updated_at"]

    def get_url(self, obj: AgentGroup) -> str:
        return link("group-detail", obj.pk)

    def get_members(self, obj: AgentGroup) -> str:
        return link("group-members", obj.pk)


class MembershipOutput(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "group", "agent", "agent_name", "role", "created_at"]


class AgentCreateInput(InputSerializer):
    organization = serializers.UUIDField()
    role = serializers.UUIDField()
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    slug = serializers.CharField(max_length=SLUG_MAX, required=False)
    kind = serializers.ChoiceField(choices=AgentKind.values, required=False, default=AgentKind.INTERNAL)
    supervisor = serializers.UUIDField(required=False, allow_null=True)
    config = serializers.DictField(required=False, default=dict, **JSON_OBJECT)


class AgentUpdateInput(InputSerializer):
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text="The version you read; required unless sent as If-Match.")
    role = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False)
    slug = serializers.CharField(max_length=SLUG_MAX, required=False)
    kind = serializers.ChoiceField(choices=AgentKind.values, required=False)
    supervisor = serializers.UUIDField(required=False, allow_null=True)
    config = serializers.DictField(required=False, **JSON_OBJECT)


class LifecycleInput(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, default="", allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text="Act only if the agent is still at this version (else 409).")


class GroupCreateInput(InputSerializer):
    organization = serializers.UUIDField()
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    purpose = serializers.CharField(max_length=NOTE_MAX, allow_blank=True, required=False, default="")


class GroupUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False)
    purpose = serializers.CharField(max_length=NOTE_MAX, allow_blank=True, required=False)


class MembershipInput(InputSerializer):
    agent = serializers.UUIDField()
    role = serializers.ChoiceField(choices=MembershipRole.values, required=False, default=MembershipRole.MEMBER)


class MembershipUpdateInput(InputSerializer):
    role = serializers.ChoiceField(choices=MembershipRole.values)
