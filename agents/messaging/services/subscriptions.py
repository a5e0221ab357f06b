"""Topic subscriptions of agents (a message sent to a topic reaches every matching subscriber)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from agents.agent.models import Agent
from agents.common.audit import created, record
from agents.common.errors import invalid
from agents.common.limits import SHORT_TEXT
from agents.messaging.models import Performative, Subscription
from auditlog.models import Action

FIELDS = ("agent", "topic_pattern", "performative")


@transaction.atomic
def subscription_create(*, agent: Agent, topic_pattern: str, by: Any, performative: str = "") -> Subscription:
    pattern = (topic_pattern or "").strip()
    if not pattern or len(pattern) > SHORT_TEXT:
        raise invalid("topic_pattern", f"Give a pattern like 'sales.*', at most {SHORT_TEXT} characters.")
    if performative and performative not in Performative.values:
        raise invalid("performative", f"Unknown performative {performative!r}.")
    try:
        with transaction.atomic():
            sub = Subscription.objects.create(organization_id=agent.organization_id, agent=agent,
                                              topic_pattern=pattern, performative=performative)
    except IntegrityError:
        raise invalid("topic_pattern", "The agent already has this subscription.") from None
    record(action=Action.CREATE, by=by, target=sub, changes=created(sub, FIELDS))
    return sub


@transaction.atomic
def subscription_delete(*, subscription: Subscription, by: Any) -> None:
    record(action=Action.DELETE, by=by, target=subscription, changes=created(subscription, FIELDS))
    subscription.delete()
