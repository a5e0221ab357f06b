"""The sweeper (a beat task): what the wake-ups missed.

- leases that ran out (a worker died holding a batch; an external agent never acked)
  go back to pending, due after the retry backoff, or to the dead letters when out of attempts;
- messages past ``expires_at`` that were not handed over become expired, never delivered; those already
  in an external agent's inbox and not acked leave it as dead letters (reason ``expired``);
- due deliveries whose wake-up was lost (broker down, worker killed) are dispatched here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.messaging.models import CLAIMABLE, LEASED, Delivery, DeliveryStatus
from agents.messaging.services import states
from agents.messaging.services.dead_letters import dead_letter
from agents.messaging.services.delivery import delivery_dispatch_due
from agents.messaging.services.policy import backoff, knob
from mabos.metrics import DELIVERIES_FINISHED


@transaction.atomic
def leases_expire(*, now: Any = None) -> dict[str, int]:
    """Return deliveries whose lease ran out to pending after the retry backoff (or dead, out of attempts).

    A lease that ran out is a failed attempt like any other (a lost worker, an agent that did not ack),
    so the retry waits ``backoff(attempts)`` as the docs promise, instead of coming back at once. Rows
    locked right now (a hand-over in progress) are skipped: that worker still holds them.
    """
    now = now or timezone.now()
    max_attempts = int(knob("MAX_ATTEMPTS"))
    expired = list(Delivery.objects.filter(status__in=LEASED, lease_until__lt=now)
                   .select_for_update(skip_locked=True).order_by("pk").values_list("pk", "status", "attempts"))
    retry: dict[int, list[Any]] = defaultdict(list)
    for pk, _status, attempts in expired:
        if attempts < max_attempts:
            retry[attempts].append(pk)
    requeued = 0
    for attempts, ids in retry.items():
        requeued += states.transition(
            ids, DeliveryStatus.PENDING, lease_until=None, next_attempt_at=now + backoff(attempts),
            last_error="lease expired: the worker was lost or the recipient did not ack in time", updated_at=now)
    dead = 0
    for pk, status, attempts in expired:
        if attempts >= max_attempts:
            what = "not acked in time" if status == DeliveryStatus.DELIVERED else "worker lost"
            dead += dead_letter(delivery_id=pk, reason=f"lease expired ({what}) on the last attempt")
    return {"requeued": requeued, "dead": dead}


@transaction.atomic
def messages_expire(*, now: Any = None) -> int:
    """Deliveries of expired messages that were never handed over: expired, never delivered."""
    now = now or timezone.now()
    count = states.transition(Delivery.objects.filter(status__in=CLAIMABLE, expires_at__lte=now),
                              DeliveryStatus.EXPIRED, lease_until=None, updated_at=now)
    if count:
        transaction.on_commit(lambda: DELIVERIES_FINISHED.labels(status=DeliveryStatus.EXPIRED).inc(count), robust=True)
    return count


#: last_error of a delivery whose message expired in the recipient's inbox, unacked.
EXPIRED_UNACKED = "expired: the message's expires_at passed before the recipient acked it"


@transaction.atomic
def inbox_expire(*, now: Any = None) -> int:
    """Delivered, unacked deliveries of expired messages leave the inbox: dead letters, reason ``expired``.

    They cannot become ``expired`` (that status means "never handed over"): the recipient may have read
    the message. Dead, the sender learns that it was not acted on in time, and an operator sees it.
    Rows an ack holds locked right now are skipped: that ack decides.
    """
    now = now or timezone.now()
    ids = list(Delivery.objects.filter(status=DeliveryStatus.DELIVERED, expires_at__lte=now)
               .select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
    return sum(dead_letter(delivery_id=pk, reason=EXPIRED_UNACKED) for pk in ids)


def delivery_sweep(*, time_budget: float | None = None) -> dict[str, int]:
    """One sweep; its figures, for the logs."""
    started = time.monotonic()
    expired_unacked = inbox_expire()  # before the leases: an expired message is not requeued by its ack timeout
    leases = leases_expire()
    expired = messages_expire()
    budget = time_budget if time_budget is not None else max(1.0, float(knob("SWEEPER_INTERVAL_SECONDS")))
    dispatched = delivery_dispatch_due(time_budget=max(0.5, budget - (time.monotonic() - started)))
    return {"requeued": leases["requeued"], "dead": leases["dead"], "expired": expired,
            "expired_unacked": expired_unacked, "dispatched": dispatched}
