"""API shapes of beliefs, goals, events, intentions and the trace."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.common.goal_kinds import GoalKind
from agents.common.limits import BELIEF_KEY_MAX, EXPRESSION_MAX_CHARS, NAME_MAX, REASON_MAX, TEXT_MAX
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.intentions.models import Intention
from agents.reasoning.models import Belief, Goal, GoalStatus
from agents.reasoning.trace.models import CycleTrace
from agents.reasoning.trace.words import trace_words
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


class IntentionOutput(serializers.ModelSerializer):
    """An intention in a list: what started it, where it stands (``plan``: the label of its top frame, the plan
    it runs now; ``depth``: its frames), and how it ended (``error`` when it failed)."""

    plan = serializers.SerializerMethodField(help_text="The label of the plan its top frame runs.")
    depth = serializers.SerializerMethodField(help_text="How many plan frames its stack holds.")

    class Meta:
        model = Intention
        fields = ["id", "agent", "status", "goal", "trigger_kind", "trigger_name", "event_id", "plan", "depth",
                  "steps_total", "wait_until", "error", "created_at", "updated_at", "finished_at"]

    def get_plan(self, obj: Intention) -> str:
        top = obj.stack[-1] if isinstance(obj.stack, list) and obj.stack else None
        return str(top.get("label") or "") if isinstance(top, dict) else ""

    def get_depth(self, obj: Intention) -> int:
        return len(obj.stack) if isinstance(obj.stack, list) else 0


@extend_schema_field({"type": "object", "nullable": True, "required": ["kind", "text"], "properties": {
    "kind": {"type": "string"},
    "text": {"type": "string", "description": "The step in the text form (an if as its head)."}}})
class StepAtField(serializers.DictField):
    """``{"kind", "text"}`` or null (a nested serializer that may be null reads badly in OpenAPI 3.0)."""


class FrameTriggerOutput(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()


class FrameOutput(serializers.Serializer):
    """One plan frame, bottom of the stack first: the plan instance, its version, where its pc points."""

    plan = serializers.CharField(allow_null=True, help_text="The plan's id.")
    label = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="The version's number (null: the version is gone).")
    version_id = serializers.CharField(allow_null=True)
    trigger = FrameTriggerOutput()
    goal = serializers.CharField(allow_null=True, help_text="The goal this frame pursues.")
    bindings = serializers.DictField(help_text="The names bound in this frame (JSON values).")
    pc = serializers.ListField(help_text='The program counter: a path into the body ([2, "then", 0]).')
    path = serializers.CharField(help_text="The pc as text: body[2].then[0].")
    step = StepAtField(allow_null=True, help_text="The step at the pc (null: past the end of its list).")
    atomic = serializers.BooleanField()
    recovers = serializers.IntegerField(allow_null=True,
                                        help_text="The index of the frame whose failure this frame handles.")


class IntentionDetailOutput(IntentionOutput):
    """An intention with its stack, each frame as ``FrameOutput``, and what it waits for (``wait``)."""

    stack = serializers.SerializerMethodField()

    class Meta(IntentionOutput.Meta):
        fields = [*IntentionOutput.Meta.fields, "wait", "stack"]

    @extend_schema_field(FrameOutput(many=True))
    def get_stack(self, obj: Intention) -> list[dict[str, Any]]:
        return self.context["stacks"][obj.pk]


class IntentionDropInput(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, default="", allow_blank=True,
                                   help_text="Why (kept in the audit log).")


class TraceOutput(serializers.ModelSerializer):
    """One cycle of the agent: the event it took, the plans it considered (``options``), the one it chose
    (``choice``), the steps it ran, and all of it in ``words`` (agents/reasoning/trace/words.py)."""

    words = serializers.SerializerMethodField()

    class Meta:
        model = CycleTrace
        fields = ["id", "agent", "cycle", "at", "duration_us", "event", "options", "choice", "steps", "words"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_words(self, obj: CycleTrace) -> list[str]:
        return trace_words(obj)
