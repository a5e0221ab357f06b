"""/deliveries/{id}/ (with ack and nack) and agents/{id}/inbox/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of, agent_for, key_agent
from agents.agent.services.heartbeats import agent_heard_from
from agents.common.access import require
from agents.common.api import ListApi
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.messaging.api.serializers import DeliveryOutput, NackInput
from agents.messaging.models import Delivery
from agents.messaging.selectors import delivery_get, inbox_list
from agents.messaging.services.acks import delivery_ack, delivery_nack


def _delivery_for(request: Request, pk: Any, verb: str) -> Delivery:
    """An agent key reaches only its own agent's deliveries; a person needs ``verb`` on the recipient."""
    delivery = delivery_get(user=request.user, pk=pk)
    if verb != "view" and key_agent(request.user) is None:
        require(request.user, verb, delivery.recipient)
    return delivery


class DeliveryDetailApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(responses={200: DeliveryOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One delivery: its message, recipient, status, attempts and last error."""
        return Response(DeliveryOutput(_delivery_for(request, pk, "view")).data)


class DeliveryAckApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=None, responses={200: DeliveryOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Ack: idempotent (acking an acked delivery is a 200); a dead or expired one is a 409 saying so."""
        delivery = delivery_ack(delivery=_delivery_for(request, pk, "operate"), by=actor_of(request.user))
        return Response(DeliveryOutput(delivery_get(user=request.user, pk=delivery.pk)).data)


class DeliveryNackApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=NackInput, responses={200: DeliveryOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Nack with a reason: ``requeue`` (default) retries after a backoff; otherwise it is dead-lettered."""
        delivery = _delivery_for(request, pk, "operate")
        data = NackInput.parse(request.data)
        delivery = delivery_nack(delivery=delivery, by=actor_of(request.user), **data)
        return Response(DeliveryOutput(delivery_get(user=request.user, pk=delivery.pk)).data)


class AgentInboxApi(ListApi):
    """Delivered, unacked messages of one agent in send order: its own key, or a person who may view it.

    A read with the agent's own key is a heartbeat (``Agent.heartbeat_at``, at most one write a second).
    """

    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = DeliveryOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return inbox_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The agent's inbox. Read with its own key, it counts as a heartbeat (a person's read does not)."""
        response = self.list_response()
        agent = key_agent(request.user)
        if agent is not None:  # agent_for above let a key read only its own inbox
            agent_heard_from(agent_id=agent.pk)
        return response
