"""API shapes of learning: selection policies (in and out), a group's sharing switch, a plan's stats.

Inputs check types only: every rule of a policy (a policy name that exists, a weight from 0 to 10, a whole
trigger of a known kind, one policy per trigger) is the service's (agents.learning.services.policies), which
answers a 400 naming the field with nothing written.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.common.api import JSON_OBJECT
from agents.learning.models import SHARED_WEIGHT_MAX, PlanStats, PolicyName, Scope, SelectionPolicy
from agents.reasoning.trace.models import CycleTrace
from mabos.api.serializers import InputSerializer

POLICY_FIELDS = ["id", "organization", "trigger_kind", "trigger_name", "policy", "shared_weight", "version",
                 "created_at", "updated_at"]
SOURCES = ["trigger", "organization", "default"]
POLICY_HELP = f"One of {', '.join(PolicyName.values)}."
WEIGHT_HELP = (f"thompson_shared: how much one outcome of the group counts against one of the agent's own "
               f"(0 to {SHARED_WEIGHT_MAX:g}).")


class SelectionPolicyOutput(serializers.ModelSerializer):
    policy = serializers.CharField(help_text=POLICY_HELP)

    class Meta:
        model = SelectionPolicy
        fields = POLICY_FIELDS


class SelectionPolicyCreateInput(InputSerializer):
    organization = serializers.UUIDField()
    trigger_kind = serializers.CharField(required=False, allow_blank=True, help_text=(
        "A plan trigger's kind (goal_added, belief_added, message, ...); empty with the name: the "
        "organization's default policy."))
    trigger_name = serializers.CharField(required=False, allow_blank=True, help_text="The trigger's name.")
    policy = serializers.CharField(required=False, help_text=POLICY_HELP + " Default first_applicable.")
    shared_weight = serializers.FloatField(required=False, help_text=WEIGHT_HELP + " Default 1.")


class SelectionPolicyUpdateInput(InputSerializer):
    policy = serializers.CharField(required=False, help_text=POLICY_HELP)
    shared_weight = serializers.FloatField(required=False, help_text=WEIGHT_HELP)
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text="The version you read; required unless sent as If-Match.")


class GroupLearningInput(InputSerializer):
    sharing = serializers.BooleanField(help_text="Off: the group's members neither pool their outcomes nor "
                                                 "read the group's statistics.")


class GroupLearningOutput(serializers.Serializer):
    group = serializers.UUIDField()
    sharing = serializers.BooleanField()


class StatsQuery(serializers.Serializer):
    """The query string of a plan's stats (other parameters are left to the negotiation, ``format``)."""

    scope = serializers.ChoiceField(choices=Scope.values, required=False,
                                    help_text="Only the statistics of this scope.")
    bucket = serializers.ChoiceField(choices=["hour", "day"], required=False, default="hour",
                                     help_text="The series' bucket.")
    days = serializers.IntegerField(min_value=1, max_value=30, required=False, default=1,
                                    help_text="The series covers the last this many days (1 to 30).")


class StatsPlanOutput(serializers.Serializer):
    id = serializers.UUIDField()
    label = serializers.CharField()
    organization = serializers.UUIDField(allow_null=True, help_text="Null: a role template's plan.")
    role = serializers.UUIDField(allow_null=True, help_text="The role template, for a template's plan.")
    version = serializers.IntegerField(help_text="The current version.")
    trigger_kind = serializers.CharField()
    trigger_name = serializers.CharField()


class AppliedPolicyOutput(serializers.Serializer):
    organization = serializers.UUIDField(source="organization.pk")
    organization_name = serializers.CharField(source="organization.name")
    policy = serializers.CharField(help_text=POLICY_HELP)
    shared_weight = serializers.FloatField()
    source = serializers.ChoiceField(choices=SOURCES, help_text=(
        "trigger: a policy for the plan's trigger; organization: the organization's default policy; default: "
        "none, the setting LEARNING['DEFAULT_POLICY']."))
    selection_policy = serializers.UUIDField(allow_null=True, help_text="The policy's id (null for the setting).")


_POLICY_PROPERTIES = {
    "organization": {"type": "string", "format": "uuid"}, "organization_name": {"type": "string"},
    "policy": {"type": "string", "description": POLICY_HELP}, "shared_weight": {"type": "number"},
    "source": {"type": "string", "enum": SOURCES}, "selection_policy": {"type": "string", "format": "uuid",
                                                                        "nullable": True}}


@extend_schema_field({"type": "object", "nullable": True, "required": sorted(_POLICY_PROPERTIES),
                      "properties": _POLICY_PROPERTIES})
class AppliedPolicyField(serializers.Field):
    """The policy of an organization's plan, or null for a role template's (a nested serializer that may be
    null reads badly in OpenAPI 3.0)."""

    def to_representation(self, value: Any) -> dict[str, Any]:
        return AppliedPolicyOutput(value).data


class PlanStatsOutput(serializers.ModelSerializer):
    scope_name = serializers.CharField(help_text="The agent's, group's, role's or organization's name.")
    context = serializers.DictField(**JSON_OBJECT)
    rate = serializers.FloatField(allow_null=True, help_text="successes / count (null before any outcome).")
    scope = serializers.CharField(help_text="agent, group, role or organization.")

    class Meta:
        model = PlanStats
        fields = ["scope", "scope_id", "scope_name", "organization", "context_key", "context", "count",
                  "successes", "failures", "rate", "reward_sum", "cost_sum", "weight_success", "weight_failure",
                  "updated_at"]


class SeriesBucketOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    count = serializers.IntegerField()
    successes = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Null: no outcome in the bucket.")


SCORES_SCHEMA = {"type": "array", "items": {"type": "object", "additionalProperties": {}}, "description": (
    "Per applicable plan: plan, label, version, key, sample, alpha, beta, own and shared "
    "[weight_success, weight_failure, count] (docs/learning.md). Empty when nothing was sampled.")}


class RecentChoiceOutput(serializers.ModelSerializer):
    """A cycle that chose the plan at the root, as its trace tells it."""

    agent_name = serializers.CharField(source="agent.name")
    version = serializers.SerializerMethodField()
    policy = serializers.SerializerMethodField()
    why = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta:
        model = CycleTrace
        fields = ["id", "agent", "agent_name", "cycle", "at", "version", "policy", "why", "scores"]

    def get_version(self, trace: CycleTrace) -> int | None:
        version = (trace.choice or {}).get("version")
        return version if isinstance(version, int) else None

    def get_policy(self, trace: CycleTrace) -> str | None:
        """Null: the organization chose as Jason does (first applicable), with nothing sampled."""
        return (trace.choice or {}).get("policy")

    def get_why(self, trace: CycleTrace) -> str:
        return str((trace.choice or {}).get("why") or "")

    @extend_schema_field(SCORES_SCHEMA)
    def get_scores(self, trace: CycleTrace) -> list[Any]:
        scores = (trace.choice or {}).get("scores")
        return scores if isinstance(scores, list) else []


class PlanStatsResponse(serializers.Serializer):
    """``policy``: for an organization's plan, the policy that chooses among its trigger's plans there (null
    for a role template's plan, used in many organizations: see ``policies``). ``policies``: per organization
    (the plan's own; for a template's plan, those you may view whose agents have statistics of it)."""

    plan = StatsPlanOutput()
    policy = AppliedPolicyField(allow_null=True)
    policies = AppliedPolicyOutput(many=True)
    scopes = PlanStatsOutput(many=True)
    scopes_truncated = serializers.BooleanField(help_text="More statistics rows than the answer holds: filter by "
                                                          "scope.")
    bucket = serializers.CharField()
    days = serializers.IntegerField()
    series = SeriesBucketOutput(many=True, help_text="Success rate per bucket, oldest first, every bucket of the "
                                                     "window listed.")
    recent_choices = RecentChoiceOutput(many=True, help_text="The latest cycles that chose this plan at the root, "
                                                             "newest first.")

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        plan, version = instance["plan"], instance["version"]
        return super().to_representation({**instance, "plan": {
            "id": plan.pk, "label": plan.label, "organization": plan.organization_id, "role": plan.role_id,
            "version": version.version, "trigger_kind": version.trigger_kind, "trigger_name": version.trigger_name}})
