"""API shapes of beliefs, goals and events."""

from __future__ import annotations

from rest_framework import serializers

from agents.common.goal_kinds import GoalKind
from agents.common.limits import BELIEF_KEY_MAX, EXPRESSION_MAX_CHARS, NAME_MAX, TEXT_MAX
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.models import Belief, Goal, GoalStatus
from mabos.api.serializers import InputSerializer


class BeliefOutput(serializers.ModelSerializer):
    class Meta:
        model = Belief
        fields = ["id", "agent", "key", "value", "confidence", "source", "created_at", "updated_at"]


class GoalOutput(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "agent", "name", "description", "kind", "priority", "status", "parent", "deadline",
                  "args", "condition", "created_at", "updated_at"]


class BeliefInput(InputSerializer):
    key = serializers.CharField(max_length=BELIEF_KEY_MAX)
    value = serializers.JSONField(allow_null=True)
    confidence = serializers.FloatField(required=False, default=1.0)
    source = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False, default="")


class BeliefReplaceInput(InputSerializer):
    value = serializers.JSONField(allow_null=True)
    confidence = serializers.FloatField(required=False, default=1.0)
    source = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False, default="")


class GoalInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, required=False, default="")
    kind = serializers.ChoiceField(choices=GoalKind.values, required=False, default=GoalKind.ACHIEVE)
    priority = serializers.IntegerField(required=False, default=50)
    status = serializers.ChoiceField(choices=GoalStatus.values, required=False, default=GoalStatus.PENDING)
    parent = serializers.UUIDField(required=False, allow_null=True)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    args = serializers.JSONField(required=False, default=list,
                                 help_text="The goal's arguments, a list of JSON values: what +!goal(Args) binds.")
    condition = serializers.CharField(max_length=EXPRESSION_MAX_CHARS, allow_blank=True, required=False, default="",
                                      help_text="A maintain goal's condition: an expression over beliefs.")


class GoalUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False)
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, required=False)
    kind = serializers.ChoiceField(choices=GoalKind.values, required=False)
    priority = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=GoalStatus.values, required=False)
    parent = serializers.UUIDField(required=False, allow_null=True)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    args = serializers.JSONField(required=False)
    condition = serializers.CharField(max_length=EXPRESSION_MAX_CHARS, allow_blank=True, required=False)


class EventOutput(serializers.ModelSerializer):
    """A pending event: its kind, its arguments, who caused it (``source``; for a message, the message and its
    delivery), and the intention it belongs to (internal events)."""

    class Meta:
        model = AgentEvent
        fields = ["id", "agent", "kind", "args", "source", "source_id", "source_name", "message", "delivery",
                  "intention", "created_at"]
