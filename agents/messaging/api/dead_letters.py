"""/dead-letters/: deliveries that gave up, and their redelivery."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.common.access import require
from agents.common.api import ListApi
from agents.messaging.api.filters import DeadLetterFilter
from agents.messaging.api.serializers import DeliveryOutput, RedeliverInput
from agents.messaging.models import Delivery
from agents.messaging.selectors import dead_letter_get, dead_letter_list, delivery_get
from agents.messaging.services.dead_letters import dead_letter_redeliver


class DeadLetterListApi(ListApi):
    output_serializer = DeliveryOutput
    filter_backends = [DjangoFilterBackend]  # a malformed recipient is a 400 naming it
    filterset_class = DeadLetterFilter

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return dead_letter_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Deliveries that gave up (too many attempts, expired, or nacked without requeue), newest first (`recipient`
        filters)."""
        return self.list_response()


class DeadLetterDetailApi(APIView):
    @extend_schema(responses={200: DeliveryOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One dead letter: its message, recipient, attempts and last error."""
        return Response(DeliveryOutput(dead_letter_get(user=request.user, pk=pk)).data)


class DeadLetterRedeliverApi(APIView):
    @extend_schema(request=RedeliverInput, responses={200: DeliveryOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Requeue a dead letter with fresh attempts (needs operate on the recipient); audited."""
        delivery = dead_letter_get(user=request.user, pk=pk)
        require(request.user, "operate", delivery.recipient)
        RedeliverInput.parse(request.data or {})
        dead_letter_redeliver(deliveries=[delivery], by=actor_of(request.user))
        return Response(DeliveryOutput(delivery_get(user=request.user, pk=pk)).data)
