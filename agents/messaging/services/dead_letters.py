"""Dead letters: a delivery that will not be retried, the sender's ``failure`` notice, and redelivery.

Dead-lettering and redelivery are rare and operator-visible, so each writes an
audit event (sends and acks do not: they are the hot path, see docs/messaging.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.common.audit import record
from agents.common.limits import NOTE_MAX, REASON_MAX
from agents.messaging.models import Delivery, DeliveryStatus, Message, Performative
from agents.messaging.services import states
from agents.messaging.services.outbox import message_insert
from agents.messaging.services.wakeup import wakeup_after_commit
from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.metrics import DELIVERIES_FINISHED

SYSTEM = Actor.system("messaging")


def _notify_sender(delivery: Delivery, reason: str) -> Message | None:
    """Tell the sending agent, in the same conversation, that its message will not arrive.

    A failure notice that itself dies produces no further notice (no loops).
    """
    message = delivery.message
    if message.sender_agent_id is None:
        return None  # a person or MABOS sent it: the dead letter list is where they look
    return message_insert(
        organization=message.organization, sender_agent=None, sender_user=None, performative=Performative.FAILURE,
        content={"reason": reason, "message": str(message.pk), "delivery": str(delivery.pk),
                 "recipient": str(delivery.recipient_id)},
        recipient_ids=[message.sender_agent_id], conversation_id=message.conversation_id, in_reply_to=message,
        protocol=message.protocol, ontology="mabos-delivery")


@transaction.atomic
def dead_letter(*, delivery_id: Any, reason: str, by: Any = None, note: str = "") -> bool:
    """Make one delivery dead, keep its reason, notify the sender, audit it. False if its status forbids it.

    ``note`` says why, when the dead letter is someone's act (a person's nack): that one event is the
    whole record of it.
    """
    now = timezone.now()
    before = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    moved = states.transition([delivery_id], DeliveryStatus.DEAD, last_error=reason[:NOTE_MAX], lease_until=None,
                              updated_at=now)
    if not moved:
        return False
    delivery = Delivery.objects.select_related("message", "message__organization").get(pk=delivery_id)
    message = delivery.message
    if not (message.sender_agent_id is None and message.performative == Performative.FAILURE):
        _notify_sender(delivery, reason)
    record(action=Action.UPDATE, by=by or SYSTEM, target=delivery, target_repr=f"delivery {delivery.pk}",
           changes={"status": [before, DeliveryStatus.DEAD], "last_error": [None, reason[:REASON_MAX]]},
           note=f"{note}; dead-lettered" if note else "dead-lettered")
    transaction.on_commit(lambda: DELIVERIES_FINISHED.labels(status=DeliveryStatus.DEAD).inc(), robust=True)
    return True


@transaction.atomic
def dead_letter_redeliver(*, deliveries: Iterable[Delivery], by: Any) -> int:
    """Put dead deliveries back in the queue with fresh attempts; one audit event each. The number requeued."""
    now = timezone.now()
    ids = [d.pk for d in deliveries]
    moved = list(Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.DEAD).select_for_update()
                 .values_list("pk", "last_error"))
    states.transition([pk for pk, _ in moved], DeliveryStatus.PENDING, attempts=0, next_attempt_at=now,
                      lease_until=None, updated_at=now)
    for pk, last_error in moved:
        audit_record(action=Action.UPDATE, actor=by, target_type="agents.delivery", target_id=str(pk),
               target_repr=f"delivery {pk}", changes={"status": [DeliveryStatus.DEAD, DeliveryStatus.PENDING]},
               note=f"redelivered (was dead: {last_error[:300]})")
    if moved:
        wakeup_after_commit()
    return len(moved)
