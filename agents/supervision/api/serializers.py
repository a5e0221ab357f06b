"""API shapes of supervision: policies (in and out), events, an agent's health, a heartbeat.

Inputs check types only: every rule of a policy (ranges, the back-off's order, the escalation target, no
cycle) is the service's (agents.supervision.services.policies), which answers a 400 naming the field.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.common.api import JSON_OBJECT
from agents.supervision.models import EscalateTo, RestartType, Strategy, SupervisionEvent, SupervisorPolicy
from mabos.api.serializers import InputSerializer

POLICY_FIELDS = ["id", "organization", "group", "strategy", "intensity", "period_seconds", "restart",
                 "backoff_min_seconds", "backoff_max_seconds", "backoff_jitter", "heartbeat_timeout_seconds",
                 "failure_threshold", "failure_window_seconds", "escalate_to", "escalate_agent", "escalate_role",
                 "reset_beliefs", "version", "created_at", "updated_at"]


class PolicyOutput(serializers.ModelSerializer):
    class Meta:
        model = SupervisorPolicy
        fields = POLICY_FIELDS


class _PolicyFields(InputSerializer):
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    intensity = serializers.IntegerField(required=False, help_text="At most this many restarts of one agent ...")
    period_seconds = serializers.IntegerField(required=False, help_text="... within this many seconds.")
    restart = serializers.ChoiceField(choices=RestartType.choices, required=False)
    backoff_min_seconds = serializers.FloatField(required=False)
    backoff_max_seconds = serializers.FloatField(required=False)
    backoff_jitter = serializers.FloatField(required=False, help_text="0 to 1.")
    heartbeat_timeout_seconds = serializers.IntegerField(required=False)
    failure_threshold = serializers.IntegerField(required=False)
    failure_window_seconds = serializers.IntegerField(required=False)
    escalate_to = serializers.ChoiceField(choices=EscalateTo.choices, required=False)
    escalate_agent = serializers.UUIDField(required=False, allow_null=True, help_text="With escalate_to = agent.")
    escalate_role = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                          help_text="With escalate_to = role: the user role asked to decide.")
    reset_beliefs = serializers.BooleanField(required=False)


class PolicyCreateInput(_PolicyFields):
    organization = serializers.UUIDField(required=False,
                                         help_text="Required without a group; with one, the group's organization.")
    group = serializers.UUIDField(required=False, allow_null=True,
                                  help_text="Empty: the organization's default policy.")


class PolicyUpdateInput(_PolicyFields):
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text="The version you read; required unless sent as If-Match.")


class SupervisionEventOutput(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.name", read_only=True)
    detail = serializers.DictField(**JSON_OBJECT)

    class Meta:
        model = SupervisionEvent
        fields = ["id", "organization", "agent", "agent_name", "policy", "kind", "detail", "at"]


_UUID, _INT = {"type": "string", "format": "uuid"}, {"type": "integer"}
_TIME = {"type": "string", "format": "date-time"}


@extend_schema_field({"type": "object", "nullable": True, "required": [
    "id", "group", "strategy", "intensity", "period_seconds", "heartbeat_timeout_seconds"], "properties": {
    "id": _UUID, "group": {**_UUID, "nullable": True, "description": "Null: the organization's default."},
    "strategy": {"type": "string"}, "intensity": _INT, "period_seconds": _INT, "heartbeat_timeout_seconds": _INT}})
class AgentHealthPolicyField(serializers.DictField):
    """The policy that supervises the agent, or null (a nested serializer that may be null reads badly in
    OpenAPI 3.0)."""


@extend_schema_field({"type": "object", "nullable": True, "required": [
    "cycle_count", "last_error", "wake_at", "restart_count", "restarted_at"], "properties": {
    "cycle_count": _INT, "last_error": {"type": "string"}, "wake_at": {**_TIME, "nullable": True},
    "restart_count": _INT, "restarted_at": {**_TIME, "nullable": True}}})
class AgentHealthRuntimeField(serializers.DictField):
    """An internal agent's reasoning runtime, or null (external agents, or one that never ran)."""


class AgentHealthPending(serializers.Serializer):
    events = serializers.IntegerField(help_text="Events waiting for the agent's next cycle (internal agents).")
    deliveries = serializers.IntegerField(help_text="Deliveries owed to it: waiting, on their way, or unacked.")


class AgentHealthOutput(serializers.Serializer):
    """``heartbeat_at``: an internal agent's last cycle, an external one's last heartbeat or inbox read.
    ``stale``: silent past the policy's heartbeat timeout while it should be heard from (false without a policy).
    ``policy``: the policy that supervises it (its first group's with one, else the organization's), or null."""

    agent = serializers.UUIDField()
    kind = serializers.CharField()
    status = serializers.CharField()
    heartbeat_at = serializers.DateTimeField(allow_null=True)
    heartbeat_age_seconds = serializers.FloatField(allow_null=True)
    stale = serializers.BooleanField()
    policy = AgentHealthPolicyField(allow_null=True)
    restarts_in_period = serializers.IntegerField()
    restart_at = serializers.DateTimeField(allow_null=True, help_text="A restart waits for its back-off until.")
    backoff_seconds = serializers.FloatField()
    last_failure = serializers.DictField(allow_null=True, **JSON_OBJECT)
    last_failure_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    stale_since = serializers.DateTimeField(allow_null=True)
    reported_status = serializers.CharField(allow_blank=True)
    reported_load = serializers.FloatField(allow_null=True)
    pending = AgentHealthPending()
    runtime = AgentHealthRuntimeField(allow_null=True)
    events = SupervisionEventOutput(many=True, help_text="The latest supervision events, newest first.")


class HeartbeatInput(InputSerializer):
    status = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                   help_text="A short word the agent says of itself: ok, busy, draining.")
    load = serializers.FloatField(required=False, allow_null=True, help_text="A number >= 0.")


class HeartbeatOutput(serializers.Serializer):
    agent = serializers.UUIDField()
    heartbeat_at = serializers.DateTimeField()
    status = serializers.CharField(allow_blank=True, help_text="The status recorded.")
    load = serializers.FloatField(allow_null=True, help_text="The load recorded.")
