"""The one place a delivery's status changes: ``transition`` applies DELIVERY_TRANSITIONS.

Every status write is a set-based ``UPDATE ... WHERE id = ANY(...) AND status IN
(<legal sources>)``, so a row whose status moved meanwhile (a concurrent ack, a
sweeper) is simply not matched, instead of being pushed through an illegal move.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from agents.messaging.models import Delivery, sources_of
from mabos.errors import Conflict


class InvalidDeliveryTransition(Conflict):
    """The delivery's status does not allow this (409, names ``status``)."""

    code = "invalid_delivery_state"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail, code=code)
        self.fields = {"status": [detail]}


def transition(queryset: QuerySet[Delivery] | Iterable[Any], to: str, **fields: Any) -> int:
    """Move the matched deliveries to ``to`` where their current status allows it; the count moved.

    ``queryset`` may be a Delivery queryset or a list of ids.
    """
    qs = queryset if isinstance(queryset, QuerySet) else Delivery.objects.filter(pk__in=list(queryset))
    fields.setdefault("updated_at", timezone.now())
    return qs.filter(status__in=sources_of(to)).update(status=to, **fields)
