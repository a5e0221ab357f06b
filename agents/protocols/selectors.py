"""Reads of protocol runs that depend on who asks: like messages, a run is seen by whoever may view its
organization or its initiator. Missing and not-allowed are the same 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from agents.agent.access import agents_for
from agents.common.selectors import get_visible
from agents.messaging.models import Message
from agents.messaging.selectors import conversation_get
from agents.organization.access import organizations_for
from agents.protocols.models import ProtocolRun, ProtocolSession
from mabos.errors import NotFound

_SESSIONS = Prefetch("sessions", queryset=ProtocolSession.objects.select_related("participant").order_by("id"))


def run_list(*, user: Any) -> QuerySet[ProtocolRun]:
    """Newest first, each with its initiator and its sessions' participants (two queries for any page)."""
    condition = (Q(organization_id__in=organizations_for(user).values("pk"))
                 | Q(initiator_id__in=agents_for(user).values("pk")))
    return (ProtocolRun.objects.filter(condition).select_related("initiator", "organization")
            .prefetch_related(_SESSIONS).order_by("-created_at", "id"))


def with_visible_run(messages: QuerySet[Message], *, user: Any) -> QuerySet[Message]:
    """``messages`` each with ``has_run``: whether its conversation is a protocol run ``user`` may see (whose
    page draws it as a sequence diagram). A correlated EXISTS on the run's primary key, for a page's rows."""
    visible = (Q(organization_id__in=organizations_for(user).values("pk"))
               | Q(initiator_id__in=agents_for(user).values("pk")))
    runs = ProtocolRun.objects.filter(visible, pk=OuterRef("conversation_id"),
                                      organization_id=OuterRef("organization_id"))
    return messages.annotate(has_run=Exists(runs))


def run_get(*, user: Any, pk: Any) -> ProtocolRun:
    return get_visible(run_list(user=user), "protocol run", pk=pk)


def run_messages(*, user: Any, run: ProtocolRun) -> list[Message]:
    """The run's conversation in send order, each message with the deliveries the caller may view."""
    try:
        return conversation_get(user=user, conversation_id=run.pk, organization=run.organization_id)
    except NotFound:
        return []
