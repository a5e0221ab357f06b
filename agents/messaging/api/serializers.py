"""API shapes of messaging: the send input (strict) and message, delivery and conversation outputs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.common.limits import NOTE_MAX, SHORT_TEXT, SLUG_MAX
from agents.messaging.models import Delivery, Message, Performative, Subscription
from mabos.api.links import link
from mabos.api.serializers import InputSerializer

_DATETIME = serializers.DateTimeField()
_UNKNOWN_PERFORMATIVE = f"Unknown performative '{{input}}'; use one of {', '.join(Performative.values)}."


def _pk(value: Any) -> str | None:
    return None if value is None else str(value)


#: A UUID's longest accepted text (``urn:uuid:`` and braces) still fits.
_REF_MAX = max(SLUG_MAX, 45)


class AgentRefField(serializers.CharField):
    """An agent named by its id or by its slug; which one it is, and whether it exists, the send decides."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", _REF_MAX)
        super().__init__(**kwargs)


class MessageInput(InputSerializer):
    sender = AgentRefField(required=False, allow_null=True,
                           help_text="The agent to send as: its id, or its slug (`cfo`). An agent key always sends "
                                     "as its own agent; a person without a sender speaks as themselves.")
    organization = serializers.UUIDField(required=False, allow_null=True,
                                         help_text="Needed only when a person speaks as themselves.")
    performative = serializers.ChoiceField(
        choices=Performative.choices, error_messages={"invalid_choice": _UNKNOWN_PERFORMATIVE},
        help_text="The FIPA act: `inform` tells, `request` asks to do, `query-if`/`query-ref` ask, `cfp` calls "
                  "for proposals, and so on.")
    content = serializers.JSONField(required=False, allow_null=True, default=None)
    to = serializers.ListField(child=AgentRefField(), required=False, default=list, max_length=5000,
                               help_text="The agents to send to, each by id or by slug within the sender's "
                                         "organization: `[\"cfo\", \"a0f7…\"]`.")
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


class MessageBatchInput(InputSerializer):
    messages = serializers.ListField(child=serializers.DictField(), min_length=1,
                                     help_text="Each item is the body of a single send (POST messages/); at most "
                                               "MESSAGING_MAX_BATCH items.")


class ConversationQuery(InputSerializer):
    organization = serializers.UUIDField(required=False, allow_null=True,
                                         help_text="The organization whose conversation to show, when several "
                                                   "organizations use the same conversation id.")


class NackInput(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    requeue = serializers.BooleanField(required=False, default=True)


class RedeliverInput(InputSerializer):
    pass


class MessageOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    conversation = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "url", "display", "organization", "sender", "sender_agent", "sender_user", "performative",
                  "content", "ontology", "language", "protocol", "topic", "conversation_id", "conversation",
                  "reply_with", "in_reply_to", "reply_by", "priority", "expires_at", "idempotency_key",
                  "recipient_count", "created_at"]

    def get_url(self, obj: Message) -> str:
        return link("message-detail", obj.pk)

    def get_display(self, obj: Message) -> str:
        """"request from CEO": what the message is, in a list of them."""
        return f"{obj.performative} from {obj.sender_label}"

    def get_sender(self, obj: Message) -> str:
        return obj.sender_label

    def get_conversation(self, obj: Message) -> str:
        """The thread this message belongs to, in its organization."""
        return link("conversation-detail", obj.conversation_id, organization=obj.organization_id)

    def to_representation(self, instance: Message) -> dict:
        """The fields above, built directly: ModelSerializer re-creates and binds 20 fields per instance, which
        was a tenth of a send's time. A test checks it against the generic representation."""
        dt = _DATETIME.to_representation
        sender = instance.sender_label
        return {
            "id": str(instance.id), "url": link("message-detail", instance.id),
            "display": f"{instance.performative} from {sender}", "organization": _pk(instance.organization_id),
            "sender": sender,
            "sender_agent": _pk(instance.sender_agent_id), "sender_user": instance.sender_user_id,
            "performative": instance.performative, "content": instance.content, "ontology": instance.ontology,
            "language": instance.language, "protocol": instance.protocol, "topic": instance.topic,
            "conversation_id": str(instance.conversation_id),
            "conversation": link("conversation-detail", instance.conversation_id,
                                 organization=instance.organization_id),
            "reply_with": instance.reply_with,
            "in_reply_to": _pk(instance.in_reply_to_id),
            "reply_by": dt(instance.reply_by) if instance.reply_by else None, "priority": instance.priority,
            "expires_at": dt(instance.expires_at) if instance.expires_at else None,
            "idempotency_key": instance.idempotency_key, "recipient_count": instance.recipient_count,
            "created_at": dt(instance.created_at),
        }


class DeliveryStatusOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "url", "recipient", "recipient_name", "status", "attempts", "next_attempt_at", "last_error",
                  "delivered_at", "acked_at"]

    def get_url(self, obj: Delivery) -> str:
        return link("delivery-detail", obj.pk)


class MessageDetailOutput(MessageOutput):
    deliveries = DeliveryStatusOutput(many=True, read_only=True)

    class Meta(MessageOutput.Meta):
        fields = [*MessageOutput.Meta.fields, "deliveries"]

    def to_representation(self, instance: Message) -> dict:
        return {**super().to_representation(instance),
                "deliveries": self.fields["deliveries"].to_representation(instance.deliveries.all())}


class ConversationOutput(serializers.Serializer):
    """conversations/{id}/: the conversation's id and its messages in send order (an object, not a bare list)."""

    id = serializers.UUIDField()
    messages = MessageDetailOutput(many=True)


class DeliveryOutput(serializers.ModelSerializer):
    """A delivery with its message: what an inbox, a dead letter and an ack answer show."""

    url = serializers.SerializerMethodField()
    message = MessageOutput(read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "url", "recipient", "status", "attempts", "next_attempt_at", "lease_until", "last_error",
                  "delivered_at", "acked_at", "updated_at", "message"]

    def get_url(self, obj: Delivery) -> str:
        return link("delivery-detail", obj.pk)


class SubscriptionInput(InputSerializer):
    topic_pattern = serializers.CharField(max_length=SHORT_TEXT,
                                          help_text="A shell-style pattern: `sales.*` matches the topic `sales.q3`.")
    performative = serializers.ChoiceField(choices=Performative.choices, required=False, allow_blank=True, default="",
                                           error_messages={"invalid_choice": _UNKNOWN_PERFORMATIVE},
                                           help_text="Only messages with this performative; empty: every one.")


class SubscriptionOutput(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "agent", "topic_pattern", "performative", "created_at"]
