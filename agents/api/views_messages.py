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
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from agents import selectors
from agents import selectors_messaging as msel
from agents.access import require
from agents.api import serializers_messages as s
from agents.api.authentication import AgentKeyAuthentication, AgentPrincipal
from agents.api.base import ListApi, actor_of, resolve
from agents.api.filters import DeadLetterFilter, MessageFilter
from agents.api.views_bdi import agent_for
from agents.errors import invalid
from agents.models import Delivery, Message
from agents.services.messaging.acks import delivery_ack, delivery_nack
from agents.services.messaging.batch import message_send_batch
from agents.services.messaging.dead_letters import dead_letter_redeliver
from agents.services.messaging.policy import knob
from agents.services.messaging.send import item_errors, message_send
from mabos.errors import PermissionDenied

AGENT_KEY_OR_USER = [AgentKeyAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
KEY_SCOPE = "An agent key may only read its own inbox, ack or nack its own deliveries and send as its own agent."


def _sender(request: Request, data: dict[str, Any]) -> tuple[Any, Any, bool]:
    """(organization, sender agent or None, audit?) after checking the caller may speak as that sender."""
    sender_id, org_id = data.pop("sender", None), data.pop("organization", None)
    if isinstance(request.user, AgentPrincipal):
        agent = request.user.agent
        if sender_id and str(sender_id) != str(agent.pk):
            raise PermissionDenied(KEY_SCOPE)
        if org_id and str(org_id) != str(agent.organization_id):
            raise invalid("organization", "An agent sends within its own organization.")
        return agent.organization, agent, False
    if sender_id:
        agent = selectors.agent_get(user=request.user, pk=sender_id)
        require(request.user, "operate", agent)  # 403: may see the agent, may not speak as it
        if org_id and str(org_id) != str(agent.organization_id):
            raise invalid("organization", "The sender belongs to another organization.")
        return agent.organization, agent, True  # a person speaking as an agent: audited
    if not org_id:
        raise invalid("sender", "Name the agent to send as (or the organization, to speak as yourself).")
    org = resolve("organization", lambda: selectors.organization_get(user=request.user, pk=org_id))
    require(request.user, "operate", org)
    return org, None, False


class MessageListApi(ListApi):
    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = s.MessageOutput
    filter_backends = [DjangoFilterBackend]  # a malformed conversation_id is a 400 naming it
    filterset_class = MessageFilter

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return msel.message_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        if isinstance(request.user, AgentPrincipal):
            raise PermissionDenied(KEY_SCOPE)
        return self.list_response()

    @extend_schema(request=s.MessageInput, responses={201: s.MessageOutput, 200: s.MessageOutput})
    def post(self, request: Request) -> Response:
        """Send. 201 once the message and every delivery are committed; 200 with the original message when
        the sender repeats an ``idempotency_key``."""
        data = s.MessageInput.parse(request.data)
        organization, sender, audit = _sender(request, data)
        result = message_send(organization=organization, sender_agent=sender, by=actor_of(request), audit=audit,
                              **data)
        return Response(s.MessageOutput(result.message).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class MessageBatchApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=s.MessageBatchInput, responses={201: s.MessageOutput(many=True)})
    def post(self, request: Request) -> Response:
        """Send many messages in one transaction: 201 with the messages in the order given (for an item
        repeating an ``idempotency_key``, the original). Each item is a single send's body and needs the same
        permission; a bad item anywhere is a 400 naming it (``messages[3].to``) and nothing is written."""
        body = s.MessageBatchInput.parse(request.data)
        raw, limit = body["messages"], int(knob("MAX_BATCH"))
        if len(raw) > limit:
            raise invalid("messages", f"Too many messages: {len(raw)}; the limit is {limit}.")
        items: list[dict[str, Any]] = []
        senders: dict[tuple[str, str], tuple[Any, Any, bool]] = {}
        organization = None
        for index, item in enumerate(raw):
            try:
                data = s.MessageInput.parse(item)
            except serializers.ValidationError as exc:
                detail = exc.detail if isinstance(exc.detail, dict) else {"message": exc.detail}
                raise serializers.ValidationError({f"messages[{index}].{name}": errors
                                                   for name, errors in detail.items()}) from None
            memo = (str(data.get("sender") or ""), str(data.get("organization") or ""))
            with item_errors(index):
                if memo not in senders:  # one permission check per distinct sender, not per message
                    senders[memo] = _sender(request, data)
                data.pop("sender", None)
                data.pop("organization", None)
                item_org, sender, audit = senders[memo]
                if organization is not None and item_org.pk != organization.pk:
                    raise invalid("sender", "All messages of a batch are sent within one organization.")
            organization = item_org
            items.append({**data, "sender_agent": sender, "audit": audit})
        results = message_send_batch(organization=organization, by=actor_of(request), messages=items)
        return Response(s.MessageOutput([r.message for r in results], many=True).data,
                        status=status.HTTP_201_CREATED)


class MessageDetailApi(APIView):
    @extend_schema(responses={200: s.MessageDetailOutput})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.MessageDetailOutput(msel.message_get(user=request.user, pk=pk)).data)


class ConversationApi(APIView):
    @extend_schema(parameters=[s.ConversationQuery], responses={200: s.ConversationOutput},
                   operation_id="conversations_retrieve")
    def get(self, request: Request, pk: Any) -> Response:
        """The thread in send order, with each message's delivery status for the recipients the caller may
        view. ``?organization=<id>`` picks the organization when several use the same conversation id."""
        query = {name: request.query_params[name] for name in ("organization",) if name in request.query_params}
        organization = s.ConversationQuery.parse(query).get("organization")
        messages = msel.conversation_get(user=request.user, conversation_id=pk, organization=organization)
        return Response(s.ConversationOutput({"id": pk, "messages": messages}).data)


def _delivery_for(request: Request, pk: Any, verb: str) -> Delivery:
    """An agent key reaches only its own agent's deliveries; a person needs ``verb`` on the recipient."""
    delivery = msel.delivery_get(user=request.user, pk=pk)
    if verb != "view" and not isinstance(request.user, AgentPrincipal):
        require(request.user, verb, delivery.recipient)
    return delivery


class DeliveryDetailApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(responses={200: s.DeliveryOutput})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.DeliveryOutput(_delivery_for(request, pk, "view")).data)


class DeliveryAckApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=None, responses={200: s.DeliveryOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Ack: idempotent (acking an acked delivery is a 200); a dead or expired one is a 409 saying so."""
        delivery = delivery_ack(delivery=_delivery_for(request, pk, "operate"), by=actor_of(request))
        return Response(s.DeliveryOutput(msel.delivery_get(user=request.user, pk=delivery.pk)).data)


class DeliveryNackApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=s.NackInput, responses={200: s.DeliveryOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Nack with a reason: ``requeue`` (default) retries after a backoff; otherwise it is dead-lettered."""
        delivery = _delivery_for(request, pk, "operate")
        data = s.NackInput.parse(request.data)
        delivery = delivery_nack(delivery=delivery, by=actor_of(request), **data)
        return Response(s.DeliveryOutput(msel.delivery_get(user=request.user, pk=delivery.pk)).data)


class AgentInboxApi(ListApi):
    """Delivered, unacked messages of one agent in send order: its own key, or a person who may view it."""

    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = s.DeliveryOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return msel.inbox_list(agent=agent_for(self.request, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()


class DeadLetterListApi(ListApi):
    output_serializer = s.DeliveryOutput
    filter_backends = [DjangoFilterBackend]  # a malformed recipient is a 400 naming it
    filterset_class = DeadLetterFilter

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return msel.dead_letter_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        return self.list_response()


class DeadLetterDetailApi(APIView):
    @extend_schema(responses={200: s.DeliveryOutput})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.DeliveryOutput(msel.dead_letter_get(user=request.user, pk=pk)).data)


class DeadLetterRedeliverApi(APIView):
    @extend_schema(request=s.RedeliverInput, responses={200: s.DeliveryOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Requeue a dead letter with fresh attempts (needs operate on the recipient); audited."""
        delivery = msel.dead_letter_get(user=request.user, pk=pk)
        require(request.user, "operate", delivery.recipient)
        s.RedeliverInput.parse(request.data or {})
        dead_letter_redeliver(deliveries=[delivery], by=actor_of(request))
        return Response(s.DeliveryOutput(msel.delivery_get(user=request.user, pk=pk)).data)
