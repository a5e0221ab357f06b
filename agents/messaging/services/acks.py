"""Acknowledgements by the recipient: ack (done) and nack (failed, with a reason; maybe retried).

Both are idempotent where that is meaningful: acking an acked delivery answers
with the delivery again. A person acking for an agent is an operator's
intervention and is audited; an agent acking its own mail is routine and is not.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.common.audit import record, user_of
from agents.common.limits import NOTE_MAX
from agents.messaging.models import Delivery, DeliveryStatus
from agents.messaging.services import states
from agents.messaging.services.dead_letters import dead_letter
from agents.messaging.services.policy import backoff, knob
from agents.messaging.services.states import InvalidDeliveryTransition
from auditlog.models import Action
from mabos.metrics import DELIVERIES_FINISHED, DELIVERY_ATTEMPTS, SEND_TO_ACK


def _refuse(delivery: Delivery, verb: str) -> InvalidDeliveryTransition:
    if delivery.status == DeliveryStatus.DEAD:
        return InvalidDeliveryTransition(f"Cannot {verb} a dead delivery: it was given up "
                                         f"({delivery.last_error or 'no reason recorded'}).", code="delivery_dead")
    if delivery.status == DeliveryStatus.EXPIRED:
        return InvalidDeliveryTransition(f"Cannot {verb} an expired delivery.", code="delivery_expired")
    if delivery.status == DeliveryStatus.ACKED:
        return InvalidDeliveryTransition(f"Cannot {verb} a delivery that is already acked.", code="delivery_acked")
    return InvalidDeliveryTransition(f"Cannot {verb} a delivery that is {delivery.status}: it is not in the "
                                     "inbox yet.", code="delivery_not_delivered")


def _audit_if_person(by: Any, delivery: Delivery, before: str, note: str) -> None:
    if user_of(by) is not None:
        record(action=Action.UPDATE, by=by, target=delivery, target_repr=f"delivery {delivery.pk}",
               changes={"status": [before, delivery.status]}, note=note)


@transaction.atomic
def delivery_ack(*, delivery: Delivery, by: Any) -> Delivery:
    """delivered -> acked. Acking twice returns the acked delivery (idempotent); anything else is a 409."""
    current = Delivery.objects.select_for_update().select_related("message").get(pk=delivery.pk)
    if current.status == DeliveryStatus.ACKED:
        return current
    if current.status != DeliveryStatus.DELIVERED:
        raise _refuse(current, "ack")
    now = timezone.now()
    states.transition([current.pk], DeliveryStatus.ACKED, acked_at=now, lease_until=None, updated_at=now)
    current.refresh_from_db()
    _audit_if_person(by, current, DeliveryStatus.DELIVERED, "acked by an operator")
    sent_at = current.sent_at

    def observe() -> None:
        DELIVERIES_FINISHED.labels(status=DeliveryStatus.ACKED).inc()
        SEND_TO_ACK.observe((now - sent_at).total_seconds())

    transaction.on_commit(observe, robust=True)
    return current


@transaction.atomic
def delivery_nack(*, delivery: Delivery, by: Any, reason: str = "", requeue: bool = True) -> Delivery:
    """delivered -> failed (retried after a backoff) or, without ``requeue`` or out of attempts, dead."""
    current = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if current.status != DeliveryStatus.DELIVERED:
        raise _refuse(current, "nack")
    reason = (reason or "nacked by the recipient")[:NOTE_MAX]
    now = timezone.now()
    note = f"nacked by an operator: {reason}"
    if requeue and current.attempts < int(knob("MAX_ATTEMPTS")):
        states.transition([current.pk], DeliveryStatus.FAILED, lease_until=None, last_error=reason,
                          next_attempt_at=now + backoff(current.attempts), updated_at=now)
        transaction.on_commit(lambda: DELIVERY_ATTEMPTS.labels(outcome="nacked").inc(), robust=True)
        current.refresh_from_db()
        _audit_if_person(by, current, DeliveryStatus.DELIVERED, note)
    else:
        # dead_letter audits the move itself (as ``by``): a person's nack adds its note there, not a 2nd event.
        why = reason if not requeue else f"{reason}; gave up after {current.attempts} attempt(s)"
        dead_letter(delivery_id=current.pk, reason=why, by=by, note=note if user_of(by) is not None else "")
        current.refresh_from_db()
    return current
