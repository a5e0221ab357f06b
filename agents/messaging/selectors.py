"""Reads of messages, deliveries, inboxes, conversations and dead letters, by who asks.

A user sees a message when they may view its organization, its sending agent,
or one of its recipients; a delivery when they may view its recipient. An agent
key sees its own agent's deliveries and the messages sent by or to it. Missing
and not-allowed are the same 404.

A message shown with its deliveries (detail, conversation) carries only the
deliveries of recipients the caller may view: seeing a message does not show
who else received it, their status or their errors.

A conversation is (organization, conversation_id): two organizations may use
the same id and their threads are never shown as one.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, TruncMinute
from django.utils import timezone

from agents.agent.access import agents_for, key_agent
from agents.agent.models import Agent
from agents.common.selectors import get_visible
from agents.messaging.models import Delivery, DeliveryStatus, Message, Subscription
from agents.organization.access import organizations_for
from mabos.errors import InvalidInput, NotFound

#: A delivery shown with its message names the sender (``sender_label``): an agent, or a person.
_MESSAGE_AND_SENDERS = ("message", "message__sender_agent", "message__sender_user")


def message_list(*, user: Any) -> QuerySet[Message]:
    agents = agents_for(user).values("pk")
    to_visible = Exists(Delivery.objects.filter(message=OuterRef("pk"), recipient_id__in=agents))
    condition = Q(sender_agent_id__in=agents) | to_visible
    if key_agent(user) is None:
        condition |= Q(organization_id__in=organizations_for(user).values("pk"))
    return (Message.objects.filter(condition).select_related("sender_agent", "sender_user")
            .order_by("-created_at", "-id"))


def message_counts_by_minute(*, user: Any, since: Any) -> dict[Any, int]:
    """Messages of the organizations ``user`` may view, per minute (UTC) since ``since``: the dashboard's chart.
    One GROUP BY over ``date_trunc('minute', created_at)`` on the ``created_at`` index, whatever the volume."""
    rows = (Message.objects.filter(created_at__gte=since, organization_id__in=organizations_for(user).values("pk"))
            .annotate(minute=TruncMinute("created_at")).values("minute").annotate(n=Count("pk")).order_by())
    return {row["minute"]: row["n"] for row in rows}


#: How many recipients a row of the messages list names; the rest are counted.
OVERVIEW_NAMED_RECIPIENTS = 3


def _status_count(status: str, visible_agents: QuerySet) -> Coalesce:
    """The message's visible deliveries in ``status``: one correlated count on (message, recipient)."""
    deliveries = (Delivery.objects.filter(message=OuterRef("pk"), status=status, recipient_id__in=visible_agents)
                  .order_by().values("message").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(deliveries, output_field=IntegerField()), Value(0))


def message_overview_list(*, user: Any) -> QuerySet[Message]:
    """The messages list of the console: what ``message_list`` shows, newest first, each with its sender and
    organization, a count of its visible deliveries per status (``count_<status>``) and its first visible
    recipients by name (``first_deliveries``).

    Three queries for any page size: the page (the counts are correlated subqueries on the
    delivery_one_per_recipient index, evaluated for the page's rows only), and one windowed prefetch of the
    first recipients; the admin's COUNT is the third. Only recipients the caller may view are counted or
    named, as on a message's own page.
    """
    visible_agents = agents_for(user).values("pk")
    first = (Delivery.objects.filter(recipient_id__in=visible_agents).select_related("recipient")
             .order_by("recipient__name", "pk")[:OVERVIEW_NAMED_RECIPIENTS])
    counts = {f"count_{status}": _status_count(status, visible_agents) for status in DeliveryStatus.values}
    return (message_list(user=user).select_related("organization").annotate(**counts)
            .prefetch_related(Prefetch("deliveries", queryset=first, to_attr="first_deliveries")))


#: The start of a UUID as people copy it (``a0f7``, ``a0f7c2e1-9b``).
_ID_PREFIX = re.compile(r"[0-9a-f][0-9a-f-]{0,35}")


def message_search(messages: QuerySet[Message], *, user: Any, terms: list[str]) -> QuerySet[Message]:
    """The messages every term matches: the sender's name, the name of a recipient ``user`` may view, the
    content's text, or the start of the message's or its conversation's id."""
    visible = agents_for(user).values("pk")
    messages = messages.alias(content_text=Cast("content", TextField()), id_text=Cast("id", TextField()),
                              conversation_text=Cast("conversation_id", TextField()))
    for term in terms:
        to_named = Delivery.objects.filter(message=OuterRef("pk"), recipient_id__in=visible,
                                           recipient__name__icontains=term)
        match = Q(sender_agent__name__icontains=term) | Q(Exists(to_named)) | Q(content_text__icontains=term)
        if _ID_PREFIX.fullmatch(term.lower()):
            match |= Q(id_text__startswith=term.lower()) | Q(conversation_text__startswith=term.lower())
        messages = messages.filter(match)
    return messages


def messages_with_status(messages: QuerySet[Message], *, user: Any, statuses: tuple[str, ...]) -> QuerySet[Message]:
    """The messages with a delivery in one of ``statuses`` to a recipient ``user`` may view."""
    visible = agents_for(user).values("pk")
    return messages.filter(Exists(Delivery.objects.filter(message=OuterRef("pk"), status__in=statuses,
                                                          recipient_id__in=visible)))


def _visible_deliveries(user: Any) -> Prefetch:
    """The deliveries of a shown message, limited to recipients the caller may view (one subquery)."""
    deliveries = (Delivery.objects.filter(recipient_id__in=agents_for(user).values("pk"))
                  .select_related("recipient").order_by("recipient__name", "pk"))
    return Prefetch("deliveries", queryset=deliveries)


def message_get(*, user: Any, pk: Any) -> Message:
    return get_visible(message_list(user=user).prefetch_related(_visible_deliveries(user)), "message", pk=pk)


def delivery_list(*, user: Any, verb: str = "view") -> QuerySet[Delivery]:
    return (Delivery.objects.filter(recipient_id__in=agents_for(user, verb).values("pk"))
            .select_related(*_MESSAGE_AND_SENDERS, "recipient").order_by("seq"))


def delivery_get(*, user: Any, pk: Any) -> Delivery:
    return get_visible(delivery_list(user=user), "delivery", pk=pk)


def inbox_list(*, agent: Agent) -> QuerySet[Delivery]:
    """Delivered, not yet acked and not expired, in send order (the partial index delivery_inbox_seq_idx).

    An expired message leaves the inbox at once; the sweeper then dead-letters it (``inbox_expire``).
    """
    unexpired = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    return (Delivery.objects.filter(unexpired, recipient=agent, status=DeliveryStatus.DELIVERED)
            .select_related(*_MESSAGE_AND_SENDERS).order_by("seq"))


def agent_sent_latest(*, user: Any, agent: Agent, limit: int = 20) -> list[Message]:
    """The agent's latest sent messages, newest first, each with the deliveries ``user`` may see (two queries).

    For the agent's admin page: the caller has already been allowed to see the agent, so its messages."""
    return list(Message.objects.filter(sender_agent=agent).select_related("sender_agent", "sender_user")
                .prefetch_related(_visible_deliveries(user)).order_by("-created_at", "-id")[:limit])


def agent_dead_letters_latest(*, agent: Agent, limit: int = 20) -> QuerySet[Delivery]:
    """The agent's latest dead letters (deliveries to it that could not be handed over), newest first, with
    each message and its sender (one query). For the agent's admin page, like ``inbox_latest``."""
    return (Delivery.objects.filter(recipient=agent, status=DeliveryStatus.DEAD)
            .select_related(*_MESSAGE_AND_SENDERS).order_by("-updated_at", "pk")[:limit])


def dead_letter_list(*, user: Any) -> QuerySet[Delivery]:
    return delivery_list(user=user).filter(status=DeliveryStatus.DEAD).order_by("-updated_at", "pk")


def dead_letter_get(*, user: Any, pk: Any) -> Delivery:
    return get_visible(dead_letter_list(user=user), "dead letter", pk=pk)


def conversation_get(*, user: Any, conversation_id: UUID, organization: Any = None) -> list[Message]:
    """The visible messages of one organization's conversation in send order, each with its visible
    deliveries (two queries).

    Without ``organization`` the conversation's organization is the one of its
    visible messages; a caller who sees the same id used by several
    organizations must name one (400 ``conversation_ambiguous``), so two
    tenants' threads are never merged into one.
    """
    qs = message_list(user=user).filter(conversation_id=conversation_id)
    if organization is not None:
        qs = qs.filter(organization_id=getattr(organization, "pk", organization))
    messages = list(qs.prefetch_related(_visible_deliveries(user)).order_by("created_at", "id"))
    if not messages:
        raise NotFound("conversation")
    if len({m.organization_id for m in messages}) > 1:
        detail = "Several organizations use this conversation id; name one with ?organization=<id>."
        raise InvalidInput(detail, code="conversation_ambiguous", fields={"organization": [detail]})
    return messages


def subscription_list(*, agent: Agent) -> QuerySet[Subscription]:
    return Subscription.objects.filter(agent=agent).order_by("topic_pattern", "performative")


def subscription_get(*, agent: Agent, pk: Any) -> Subscription:
    return get_visible(subscription_list(agent=agent), "subscription", pk=pk)


def inbox_latest(*, agent: Agent, limit: int = 30) -> QuerySet[Delivery]:
    """The agent's latest incoming deliveries, newest first, with each message and its sender (one query).

    For the agent's admin page: the caller has already been allowed to see the agent.
    """
    return (Delivery.objects.filter(recipient=agent).select_related(*_MESSAGE_AND_SENDERS)
            .order_by("-sent_at")[:limit])
