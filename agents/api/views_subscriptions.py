"""agents/{id}/subscriptions/: the topics an agent listens to (a topic send reaches every matching subscriber).

Subscribing changes what an agent receives, so it needs change on the agent,
like its beliefs and goals; reading needs view. An agent key has no access: it
may only read its inbox, ack and send (docs/messaging.md).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import selectors
from agents.api import serializers_messages as s
from agents.api.base import ListApi, actor_of
from agents.api.views_bdi import agent_for
from agents.models import Subscription
from agents.services.messaging.subscriptions import subscription_create, subscription_delete


class SubscriptionListApi(ListApi):
    output_serializer = s.SubscriptionOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        return selectors.subscription_list(agent=agent_for(self.request, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()

    @extend_schema(request=s.SubscriptionInput, responses={201: s.SubscriptionOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Subscribe the agent to a topic pattern (a 400 on ``topic_pattern`` if it already is)."""
        agent = agent_for(request, pk, "change")
        data = s.SubscriptionInput.parse(request.data)
        subscription = subscription_create(agent=agent, by=actor_of(request), **data)
        return Response(s.SubscriptionOutput(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    @extend_schema(responses={200: s.SubscriptionOutput})
    def get(self, request: Request, pk: Any, subscription_id: Any) -> Response:
        agent = agent_for(request, pk, "view")
        return Response(s.SubscriptionOutput(selectors.subscription_get(agent=agent, pk=subscription_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, subscription_id: Any) -> Response:
        agent = agent_for(request, pk, "change")
        subscription_delete(subscription=selectors.subscription_get(agent=agent, pk=subscription_id),
                            by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
