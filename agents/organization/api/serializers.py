"""API shapes of organizations and roles: strict inputs (unknown fields are a 400), plain outputs."""

from __future__ import annotations

from rest_framework import serializers

from agents.common.api import JSON_OBJECT
from agents.common.limits import LABEL_MAX, NAME_MAX, SLUG_MAX, TEXT_MAX
from agents.onboarding.services import SIZES
from agents.organization.models import AgentRole, Organization
from mabos.api.links import link
from mabos.api.serializers import InputSerializer


class OrganizationOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    display = serializers.CharField(source="name", read_only=True)
    agent_count = serializers.IntegerField(read_only=True, required=False)
    agents = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "url", "display", "name", "slug", "industry", "description", "profile", "agent_count",
                  "agents", "groups", "created_at", "updated_at"]

    def get_url(self, obj: Organization) -> str:
        return link("organization-detail", obj.pk)

    def get_agents(self, obj: Organization) -> str:
        """The organization's agents: the agents list, filtered."""
        return link("agent-list", organization=obj.pk)

    def get_groups(self, obj: Organization) -> str:
        return link("group-list", organization=obj.pk)


class RoleOutput(serializers.ModelSerializer):
    class Meta:
        model = AgentRole
        fields = ["id", "organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs",
                  "adopts_told_plans", "created_at", "updated_at"]




class OrganizationCreateInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    slug = serializers.CharField(max_length=SLUG_MAX, required=False)
    industry = serializers.CharField(max_length=LABEL_MAX, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)
    profile = serializers.DictField(required=False, **JSON_OBJECT)


class OrganizationUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False)
    slug = serializers.CharField(max_length=SLUG_MAX, required=False)
    industry = serializers.CharField(max_length=LABEL_MAX, allow_blank=True, required=False)
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, required=False)
    profile = serializers.DictField(required=False, **JSON_OBJECT)


class RoleCreateInput(InputSerializer):
    organization = serializers.UUIDField(required=False, allow_null=True,
                                         help_text="Empty: a global template (administrators only).")
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    slug = serializers.CharField(max_length=SLUG_MAX)
    responsibilities = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, required=False, default="")
    default_goals = serializers.JSONField(required=False, default=list)
    default_beliefs = serializers.JSONField(required=False, default=list)
    adopts_told_plans = serializers.BooleanField(required=False, default=False,
                                                 help_text="Its agents adopt plans group members tell them.")


class RoleUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False)
    slug = serializers.CharField(max_length=SLUG_MAX, required=False)
    responsibilities = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, required=False)
    default_goals = serializers.JSONField(required=False)
    default_beliefs = serializers.JSONField(required=False)
    adopts_told_plans = serializers.BooleanField(required=False,
                                                 help_text="Its agents adopt plans group members tell them.")


class OnboardInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    slug = serializers.CharField(max_length=SLUG_MAX, required=False)
    industry = serializers.CharField(max_length=LABEL_MAX, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)
    size = serializers.JSONField(help_text=f"People (a number) or one of {', '.join(SIZES)}.")
    roles = serializers.ListField(child=serializers.CharField(max_length=SLUG_MAX), allow_empty=True,
                                  help_text="Role template slugs: ceo, cfo, coo, cmo, cto, hr, legal, strategy, "
                                            "knowledge.")
    markets = serializers.ListField(child=serializers.CharField(max_length=NAME_MAX), required=False)
    products = serializers.ListField(child=serializers.CharField(max_length=NAME_MAX), required=False)
