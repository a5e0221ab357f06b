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

from agents.agent.access import actor_of, agent_for
from agents.common.api import ListApi
from agents.messaging.api.serializers import SubscriptionInput, SubscriptionOutput
from agents.messaging.models import Subscription
from agents.messaging.selectors import subscription_get, subscription_list
from agents.messaging.services.subscriptions import subscription_create, subscription_delete


class SubscriptionListApi(ListApi):
    output_serializer = SubscriptionOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        return subscription_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The topic patterns the agent listens to: a send with a matching `topic` reaches it."""
        return self.list_response()

    @extend_schema(request=SubscriptionInput, responses={201: SubscriptionOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Subscribe the agent to a topic pattern (a 400 on ``topic_pattern`` if it already is)."""
        agent = agent_for(request.user, pk, "change")
        data = SubscriptionInput.parse(request.data)
        subscription = subscription_create(agent=agent, by=actor_of(request.user), **data)
        return Response(SubscriptionOutput(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    @extend_schema(responses={200: SubscriptionOutput})
    def get(self, request: Request, pk: Any, subscription_id: Any) -> Response:
        """One subscription of the agent."""
        agent = agent_for(request.user, pk, "view")
        return Response(SubscriptionOutput(subscription_get(agent=agent, pk=subscription_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, subscription_id: Any) -> Response:
        """Unsubscribe the agent from the topic pattern."""
        agent = agent_for(request.user, pk, "change")
        subscription_delete(subscription=subscription_get(agent=agent, pk=subscription_id),
                            by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
