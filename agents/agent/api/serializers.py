"""API shapes of agents, groups and memberships."""

from __future__ import annotations

from rest_framework import serializers

from agents.agent.models import Agent, AgentGroup, AgentKind, Membership, MembershipRole
from agents.common.api import JSON_OBJECT
from agents.common.limits import NAME_MAX, NOTE_MAX, REASON_MAX, SLUG_MAX
from mabos.api.serializers import InputSerializer


class AgentOutput(serializers.ModelSerializer):
    organization_slug = serializers.CharField(source="organization.slug", read_only=True)
    role_slug = serializers.CharField(source="role.slug", read_only=True)

    class Meta:
        model = Agent
        fields = ["id", "organization", "organization_slug", "role", "role_slug", "name", "slug", "kind", "status",
                  "supervisor", "heartbeat_at", "config", "version", "created_at", "updated_at"]


class GroupOutput(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = AgentGroup
        fields = ["id", "organization", "name", "purpose", "member_count", "created_at", "updated_at"]


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
