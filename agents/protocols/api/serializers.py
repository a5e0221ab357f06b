"""Shapes of protocols/: a run as people see it (its sessions, deadlines and conversation), and the bodies of
starting, replying in, deciding and cancelling one."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.common.limits import SHORT_TEXT
from agents.messaging.models import Message, Performative
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.transitions import OPENINGS, PROTOCOL_RESPONSE_TIMEOUT, PROTOCOL_RESULT_TIMEOUT, allowed
from mabos.api.serializers import InputSerializer

#: The longest deadline a person may give a phase: a day.
TIMEOUT_MAX = 86400.0
#: The most participants a person's cfp may name.
CFP_MAX = 100


class RunMessageOutput(serializers.ModelSerializer):
    """A message of the run's conversation: who spoke (an agent, or a person), the act, and the recipients the
    caller may view (``recipients``)."""

    sender = serializers.CharField(source="sender_label", read_only=True)
    recipients = serializers.SerializerMethodField(help_text="The recipients you may view.")

    class Meta:
        model = Message
        fields = ["id", "sender", "sender_agent", "sender_user", "performative", "content", "protocol",
                  "conversation_id", "in_reply_to", "reply_by", "recipients", "created_at"]

    def get_recipients(self, obj: Message) -> list[str]:
        cached = getattr(obj, "_prefetched_objects_cache", {})
        return [str(d.recipient_id) for d in obj.deliveries.all()] if "deliveries" in cached else []


class RunSessionOutput(serializers.ModelSerializer):
    participant_name = serializers.CharField(source="participant.name", read_only=True)

    class Meta:
        model = ProtocolSession
        fields = ["participant", "participant_name", "state", "last_message", "reply_with", "updated_at"]


class RunOutput(serializers.ModelSerializer):
    """A run: its protocol and opening act, who opened it (``initiator``), where it is (``state``, ``phase``),
    its deadlines (``response_by``, ``result_by``), what a participant may send now (``allowed``) and how it
    ended (``result`` or ``reason``)."""

    initiator_name = serializers.CharField(source="initiator.name", read_only=True)
    sessions = RunSessionOutput(many=True, read_only=True)
    allowed = serializers.SerializerMethodField(help_text="The performatives a participant may send now.")

    class Meta:
        model = ProtocolRun
        fields = ["id", "organization", "protocol", "performative", "initiator", "initiator_name", "intention_id",
                  "state", "phase", "response_by", "result_timeout", "result_by", "content", "result", "reason",
                  "rejected", "allowed", "sessions", "version", "created_at", "updated_at", "finished_at"]

    def get_allowed(self, obj: ProtocolRun) -> list[str]:
        return allowed(obj.protocol, obj.state)


class RunDetailOutput(RunOutput):
    messages = serializers.SerializerMethodField(help_text="The run's conversation, in send order.")

    class Meta(RunOutput.Meta):
        fields = [*RunOutput.Meta.fields, "messages"]

    def get_messages(self, obj: ProtocolRun) -> list[dict[str, Any]]:
        return RunMessageOutput(self.context.get("messages", []), many=True).data


def _timeout(default: float, help_text: str) -> serializers.FloatField:
    return serializers.FloatField(min_value=0.1, max_value=TIMEOUT_MAX, required=False, default=default,
                                  help_text=help_text)


@extend_schema_field({"oneOf": [{"type": "string", "format": "uuid"},
                                 {"type": "array", "items": {"type": "string", "format": "uuid"},
                                  "minItems": 1, "maxItems": CFP_MAX}]})
class AgentIds(serializers.ListField):
    """One agent id, or a list of them (a cfp's participants): always a list inside."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.UUIDField(), min_length=1, max_length=CFP_MAX, **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        return super().to_internal_value([data] if isinstance(data, str) else data)


class RunStartInput(InputSerializer):
    protocol = serializers.ChoiceField(choices=sorted(OPENINGS),
                                       help_text="The opening act: request (FIPA Request), query-if or query-ref "
                                                 "(FIPA Query), subscribe (FIPA Subscribe), cfp (Contract-Net).")
    initiator = serializers.UUIDField(help_text="The agent the run is started as (you must operate it).")
    to = AgentIds(help_text="The participant agent; for a cfp, a list of them.")
    content = serializers.JSONField(required=False, allow_null=True, default=None)
    response_timeout = _timeout(PROTOCOL_RESPONSE_TIMEOUT, "Seconds for the agree / refuse (a cfp's proposals).")
    reply_by = serializers.DateTimeField(required=False, help_text="Instead of response_timeout: when the "
                                                                   "response phase ends (in the future, within a day).")
    result_timeout = _timeout(PROTOCOL_RESULT_TIMEOUT, "Seconds for the result after an agree (a cfp: for the "
                                                       "decision, then for the results after it).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        reply_by = attrs.pop("reply_by", None)
        if reply_by is not None:
            if "response_timeout" in self.initial_data:
                raise serializers.ValidationError({"reply_by": ["Give reply_by or response_timeout, not both."]})
            seconds = (reply_by - timezone.now()).total_seconds()
            if seconds <= 0:
                raise serializers.ValidationError({"reply_by": ["The reply-by must be in the future."]})
            if seconds > TIMEOUT_MAX:
                raise serializers.ValidationError({"reply_by": ["The reply-by must be within a day."]})
            attrs["response_timeout"] = seconds
        return attrs


class RunDecideInput(InputSerializer):
    accept = AgentIds(help_text="The participants whose proposals are accepted (each must have proposed); every "
                                "other proposer gets a reject-proposal.")
    content = serializers.JSONField(required=False, allow_null=True, default=None,
                                    help_text="The accept-proposal's content.")


class RunReplyInput(InputSerializer):
    sender = serializers.UUIDField(help_text="The participant agent you answer as (you must operate it).")
    performative = serializers.ChoiceField(choices=Performative.values)
    content = serializers.JSONField(required=False, allow_null=True, default=None)


class RunCancelInput(InputSerializer):
    reason = serializers.CharField(max_length=SHORT_TEXT, required=False, default="", allow_blank=True,
                                   help_text="Why (the run's reason, the cancel's content, the audit note).")

