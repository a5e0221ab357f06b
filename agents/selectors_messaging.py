"""Reads of messages, deliveries, inboxes, conversations and dead letters, by who asks.

A user sees a message when they may view its organization, its sending agent,
or one of its recipients; a delivery when they may view its recipient. An agent
key sees its own agent's deliveries and the messages sent by or to it. Missing
and not-allowed are the same 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from agents.access import agents_for, organizations_for
from agents.api.authentication import AgentPrincipal
from agents.models import Agent, Delivery, DeliveryStatus, Message
from agents.selectors import _get
from mabos.errors import NotFound


def _visible_agents(user: Any, verb: str = "view") -> QuerySet[Agent]:
    if isinstance(user, AgentPrincipal):
        return Agent.objects.filter(pk=user.agent.pk)
    return agents_for(user, verb)


def message_list(*, user: Any) -> QuerySet[Message]:
    agents = _visible_agents(user).values("pk")
    to_visible = Exists(Delivery.objects.filter(message=OuterRef("pk"), recipient_id__in=agents))
    condition = Q(sender_agent_id__in=agents) | to_visible
    if not isinstance(user, AgentPrincipal):
        condition |= Q(organization_id__in=organizations_for(user).values("pk"))
    return (Message.objects.filter(condition).select_related("sender_agent", "sender_user")
            .order_by("-created_at", "-id"))


def message_get(*, user: Any, pk: Any) -> Message:
    deliveries = Delivery.objects.select_related("recipient").order_by("recipient__name", "pk")
    return _get(message_list(user=user).prefetch_related(Prefetch("deliveries", queryset=deliveries)),
                "message", pk=pk)


def delivery_list(*, user: Any, verb: str = "view") -> QuerySet[Delivery]:
    return (Delivery.objects.filter(recipient_id__in=_visible_agents(user, verb).values("pk"))
            .select_related("message", "message__sender_agent", "recipient").order_by("seq"))


def delivery_get(*, user: Any, pk: Any) -> Delivery:
    return _get(delivery_list(user=user), "delivery", pk=pk)


def inbox_list(*, agent: Agent) -> QuerySet[Delivery]:
    """Delivered and not yet acked, in send order (the partial index delivery_inbox_idx)."""
    return (Delivery.objects.filter(recipient=agent, status=DeliveryStatus.DELIVERED)
            .select_related("message", "message__sender_agent").order_by("seq"))


def dead_letter_list(*, user: Any) -> QuerySet[Delivery]:
    return delivery_list(user=user).filter(status=DeliveryStatus.DEAD).order_by("-updated_at", "pk")


def dead_letter_get(*, user: Any, pk: Any) -> Delivery:
    return _get(dead_letter_list(user=user), "dead letter", pk=pk)


def conversation_get(*, user: Any, conversation_id: UUID) -> list[Message]:
    """The visible messages of a conversation in send order, each with its deliveries (two queries)."""
    deliveries = Delivery.objects.select_related("recipient").order_by("recipient__name", "pk")
    messages = list(message_list(user=user).filter(conversation_id=conversation_id)
                    .prefetch_related(Prefetch("deliveries", queryset=deliveries)).order_by("created_at", "id"))
    if not messages:
        raise NotFound("conversation")
    return messages
