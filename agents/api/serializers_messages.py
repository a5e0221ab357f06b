"""API shapes of messaging: the send input (strict) and message, delivery and conversation outputs."""

from __future__ import annotations

from rest_framework import serializers

from agents.models import Delivery, Message, Performative
from agents.models.messaging import SHORT_TEXT
from mabos.api.serializers import InputSerializer


class MessageInput(InputSerializer):
    sender = serializers.UUIDField(required=False, allow_null=True,
                                   help_text="The agent to send as. An agent key always sends as its own agent; "
                                             "a person without a sender speaks as themselves.")
    organization = serializers.UUIDField(required=False, allow_null=True,
                                         help_text="Needed only when a person speaks as themselves.")
    performative = serializers.CharField(max_length=40)
    content = serializers.JSONField(required=False, allow_null=True, default=None)
    to = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=5000)
    group = serializers.UUIDField(required=False, allow_null=True)
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT,
                                 help_text="A role id or slug: every active agent of the organization holding it.")
    topic = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    conversation_id = serializers.UUIDField(required=False, allow_null=True)
    reply_with = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    in_reply_to = serializers.UUIDField(required=False, allow_null=True)
    reply_by = serializers.DateTimeField(required=False, allow_null=True)
    ontology = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    language = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    protocol = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    priority = serializers.IntegerField(required=False, default=0, min_value=-100, max_value=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)

    def validate_performative(self, value: str) -> str:
        if value not in Performative.values:
            raise serializers.ValidationError(f"Unknown performative {value!r}; use one of "
                                              f"{', '.join(Performative.values)}.")
        return value


class MessageBatchInput(InputSerializer):
    messages = serializers.ListField(child=serializers.DictField(), min_length=1,
                                     help_text="Each item is the body of a single send (POST messages/); at most "
                                               "MESSAGING_MAX_BATCH items.")


class NackInput(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    requeue = serializers.BooleanField(required=False, default=True)


class RedeliverInput(InputSerializer):
    pass


class MessageOutput(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "organization", "sender", "sender_agent", "sender_user", "performative", "content",
                  "ontology", "language", "protocol", "topic", "conversation_id", "reply_with", "in_reply_to",
                  "reply_by", "priority", "expires_at", "idempotency_key", "recipient_count", "created_at"]

    def get_sender(self, obj: Message) -> str:
        return obj.sender_label


class DeliveryStatusOutput(serializers.ModelSerializer):
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "recipient", "recipient_name", "status", "attempts", "next_attempt_at", "last_error",
                  "delivered_at", "acked_at"]


class MessageDetailOutput(MessageOutput):
    deliveries = DeliveryStatusOutput(many=True, read_only=True)

    class Meta(MessageOutput.Meta):
        fields = [*MessageOutput.Meta.fields, "deliveries"]


class DeliveryOutput(serializers.ModelSerializer):
    """A delivery with its message: what an inbox, a dead letter and an ack answer show."""

    message = MessageOutput(read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "recipient", "status", "attempts", "next_attempt_at", "lease_until", "last_error",
                  "delivered_at", "acked_at", "updated_at", "message"]
