"""messages/, messages/batch/, deliveries/{id}/ack|nack/, agents/{id}/inbox/, conversations/{id}/, dead-letters/.

An agent key (``Authorization: Agent <key>``) reaches exactly three things here:
its own inbox, ack/nack of its own deliveries, and sending as itself. Every other
view refuses it (401: it does not name the agent-key authentication), and the
ones that do name it refuse everything else (404 for another agent's objects,
403 for sending as another agent or listing messages).
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of, key_agent
from agents.common.api import ListApi
from agents.common.errors import invalid
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.messaging.access import KEY_SCOPE, sender_resolve
from agents.messaging.api.filters import MessageFilter
from agents.messaging.api.serializers import (
    ConversationOutput,
    ConversationQuery,
    MessageBatchInput,
    MessageDetailOutput,
    MessageInput,
    MessageOutput,
)
from agents.messaging.models import Message
from agents.messaging.selectors import conversation_get, message_get, message_list
from agents.messaging.services.batch import message_send_batch
from agents.messaging.services.policy import knob
from agents.messaging.services.send import item_errors, message_send
from mabos.errors import PermissionDenied

#: What a first send needs and nothing more: a placeholder conversation, organization, expiry or reply would
#: make it fail or join every newcomer to one conversation. ``ceo`` and ``cfo`` are the slugs onboarding gives
#: the agents of those roles; put your own sender and recipients in (tests/agents/messaging/test_first_call.py).
FIRST_SEND = OpenApiExample(
    "A first message", request_only=True,
    summary="Inform one agent; replace the sender and the recipient with agents of your organization",
    value={"sender": "ceo", "performative": "inform", "to": ["cfo"], "content": {"text": "Hello from the API"}},
)


class MessageListApi(ListApi):
    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = MessageOutput
    filter_backends = [DjangoFilterBackend]  # a malformed conversation_id is a 400 naming it
    filterset_class = MessageFilter

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return message_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """The messages you may view, newest first (`conversation_id` filters). Agent keys read their inbox instead."""
        if key_agent(request.user) is not None:
            raise PermissionDenied(KEY_SCOPE)
        return self.list_response()

    @extend_schema(request=MessageInput, responses={201: MessageOutput, 200: MessageOutput},
                   examples=[FIRST_SEND])
    def post(self, request: Request) -> Response:
        """Send a message as an agent. Name the sender and the recipients by id or by slug (`"to": ["cfo"]` is
        the CFO of the sender's organization); every other field is optional. 201 once the message and every
        delivery are committed; 200 with the original message when the sender repeats an `idempotency_key`.
        A conversation starts by itself: set `conversation_id` or `in_reply_to` only to continue one."""
        data = MessageInput.parse(request.data)
        organization, sender, audit = sender_resolve(request.user, data)
        result = message_send(organization=organization, sender_agent=sender, by=actor_of(request.user), audit=audit,
                              **data)
        return Response(MessageOutput(result.message).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class MessageBatchApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=MessageBatchInput, responses={201: MessageOutput(many=True)},
                   examples=[OpenApiExample("Two messages", request_only=True, value={"messages": [
                       FIRST_SEND.value, {**FIRST_SEND.value, "content": {"text": "And a second one"}}]})])
    def post(self, request: Request) -> Response:
        """Send many messages in one transaction: 201 with the messages in the order given (for an item
        repeating an ``idempotency_key``, the original). Each item is a single send's body and needs the same
        permission; a bad item anywhere is a 400 naming it (``messages[3].to``) and nothing is written."""
        body = MessageBatchInput.parse(request.data)
        raw, limit = body["messages"], int(knob("MAX_BATCH"))
        if len(raw) > limit:
            raise invalid("messages", f"Too many messages: {len(raw)}; the limit is {limit}.")
        items: list[dict[str, Any]] = []
        senders: dict[tuple[str, str], tuple[Any, Any, bool]] = {}
        organization = None
        for index, item in enumerate(raw):
            try:
                data = MessageInput.parse(item)
            except serializers.ValidationError as exc:
                detail = exc.detail if isinstance(exc.detail, dict) else {"message": exc.detail}
                raise serializers.ValidationError({f"messages[{index}].{name}": errors
                                                   for name, errors in detail.items()}) from None
            memo = (str(data.get("sender") or ""), str(data.get("organization") or ""))
            with item_errors(index):
                if memo not in senders:  # one permission check per distinct sender, not per message
                    senders[memo] = sender_resolve(request.user, data)
                data.pop("sender", None)
                data.pop("organization", None)
                item_org, sender, audit = senders[memo]
                if organization is not None and item_org.pk != organization.pk:
                    raise invalid("sender", "All messages of a batch are sent within one organization.")
            organization = item_org
            items.append({**data, "sender_agent": sender, "audit": audit})
        results = message_send_batch(organization=organization, by=actor_of(request.user), messages=items)
        return Response(MessageOutput([r.message for r in results], many=True).data,
                        status=status.HTTP_201_CREATED)


class MessageDetailApi(APIView):
    @extend_schema(responses={200: MessageDetailOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One message with the delivery status of each recipient you may view."""
        return Response(MessageDetailOutput(message_get(user=request.user, pk=pk)).data)


class ConversationApi(APIView):
    @extend_schema(parameters=[ConversationQuery], responses={200: ConversationOutput},
                   operation_id="conversations_retrieve")
    def get(self, request: Request, pk: Any) -> Response:
        """The thread in send order, with each message's delivery status for the recipients the caller may
        view. ``?organization=<id>`` picks the organization when several use the same conversation id."""
        query = {name: request.query_params[name] for name in ("organization",) if name in request.query_params}
        organization = ConversationQuery.parse(query).get("organization")
        messages = conversation_get(user=request.user, conversation_id=pk, organization=organization)
        return Response(ConversationOutput({"id": pk, "messages": messages}).data)
















