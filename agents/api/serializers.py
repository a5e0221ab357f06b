"""API shapes of the agents domain: strict inputs (unknown fields are a 400) and plain outputs."""

from __future__ import annotations

from rest_framework import serializers

from agents.models import (
    Agent,
    AgentApiKey,
    AgentGroup,
    AgentKind,
    AgentRole,
    Belief,
    Goal,
    GoalKind,
    GoalStatus,
    Membership,
    MembershipRole,
    Organization,
)
from agents.services.onboarding import SIZES
from mabos.api.serializers import InputSerializer

# --- outputs ----------------------------------------------------------------------------


class OrganizationOutput(serializers.ModelSerializer):
    agent_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "industry", "description", "profile", "agent_count", "created_at",
                  "updated_at"]


class RoleOutput(serializers.ModelSerializer):
    class Meta:
        model = AgentRole
        fields = ["id", "organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs",
                  "created_at", "updated_at"]


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


class BeliefOutput(serializers.ModelSerializer):
    class Meta:
        model = Belief
        fields = ["id", "agent", "key", "value", "confidence", "source", "created_at", "updated_at"]


class GoalOutput(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "agent", "name", "description", "kind", "priority", "status", "parent", "deadline",
                  "created_at", "updated_at"]


class ApiKeyOutput(serializers.ModelSerializer):
    class Meta:
        model = AgentApiKey
        fields = ["id", "agent", "name", "prefix", "created_at", "revoked_at", "last_used_at", "last_used_ip"]


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(help_text="The key itself. Shown only in this response; store it now.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]


# --- inputs -----------------------------------------------------------------------------

_JSON_OBJECT = {"help_text": "A JSON object."}


class OnboardInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    slug = serializers.CharField(max_length=64, required=False)
    industry = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=5000, allow_blank=True)
    size = serializers.JSONField(help_text=f"People (a number) or one of {', '.join(SIZES)}.")
    roles = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=True,
                                  help_text="Role template slugs: ceo, cfo, coo, cmo, cto, hr, legal, strategy, "
                                            "knowledge.")
    markets = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    products = serializers.ListField(child=serializers.CharField(max_length=200), required=False)


class OrganizationCreateInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    slug = serializers.CharField(max_length=64, required=False)
    industry = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=5000, allow_blank=True)
    profile = serializers.DictField(required=False, **_JSON_OBJECT)


class OrganizationUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    slug = serializers.CharField(max_length=64, required=False)
    industry = serializers.CharField(max_length=100, allow_blank=True, required=False)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    profile = serializers.DictField(required=False, **_JSON_OBJECT)


class RoleCreateInput(InputSerializer):
    organization = serializers.UUIDField(required=False, allow_null=True,
                                         help_text="Empty: a global template (administrators only).")
    name = serializers.CharField(max_length=200, allow_blank=True)
    slug = serializers.CharField(max_length=64)
    responsibilities = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    default_goals = serializers.JSONField(required=False, default=list)
    default_beliefs = serializers.JSONField(required=False, default=list)


class RoleUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    slug = serializers.CharField(max_length=64, required=False)
    responsibilities = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    default_goals = serializers.JSONField(required=False)
    default_beliefs = serializers.JSONField(required=False)


class AgentCreateInput(InputSerializer):
    organization = serializers.UUIDField()
    role = serializers.UUIDField()
    name = serializers.CharField(max_length=200, allow_blank=True)
    slug = serializers.CharField(max_length=64, required=False)
    kind = serializers.ChoiceField(choices=AgentKind.values, required=False, default=AgentKind.INTERNAL)
    supervisor = serializers.UUIDField(required=False, allow_null=True)
    config = serializers.DictField(required=False, default=dict, **_JSON_OBJECT)


class AgentUpdateInput(InputSerializer):
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text="The version you read; required unless sent as If-Match.")
    role = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    slug = serializers.CharField(max_length=64, required=False)
    kind = serializers.ChoiceField(choices=AgentKind.values, required=False)
    supervisor = serializers.UUIDField(required=False, allow_null=True)
    config = serializers.DictField(required=False, **_JSON_OBJECT)


class LifecycleInput(InputSerializer):
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text="Act only if the agent is still at this version (else 409).")


class GroupCreateInput(InputSerializer):
    organization = serializers.UUIDField()
    name = serializers.CharField(max_length=200, allow_blank=True)
    purpose = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class GroupUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    purpose = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class MembershipInput(InputSerializer):
    agent = serializers.UUIDField()
    role = serializers.ChoiceField(choices=MembershipRole.values, required=False, default=MembershipRole.MEMBER)


class MembershipUpdateInput(InputSerializer):
    role = serializers.ChoiceField(choices=MembershipRole.values)


class BeliefInput(InputSerializer):
    key = serializers.CharField(max_length=200)
    value = serializers.JSONField(allow_null=True)
    confidence = serializers.FloatField(required=False, default=1.0)
    source = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class BeliefReplaceInput(InputSerializer):
    value = serializers.JSONField(allow_null=True)
    confidence = serializers.FloatField(required=False, default=1.0)
    source = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class GoalInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    kind = serializers.ChoiceField(choices=GoalKind.values, required=False, default=GoalKind.ACHIEVE)
    priority = serializers.IntegerField(required=False, default=50)
    status = serializers.ChoiceField(choices=GoalStatus.values, required=False, default=GoalStatus.PENDING)
    parent = serializers.UUIDField(required=False, allow_null=True)
    deadline = serializers.DateTimeField(required=False, allow_null=True)


class GoalUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    kind = serializers.ChoiceField(choices=GoalKind.values, required=False)
    priority = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=GoalStatus.values, required=False)
    parent = serializers.UUIDField(required=False, allow_null=True)
    deadline = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyInput(InputSerializer):
    name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
