"""FIPA Subscribe at the participant: its promises (``ProtocolSubscription``) written in bulk with its batch.

The participant's reasoning cycle decides (``agents/reasoning/cycle/subscriptions.py``): a subscription is
made when its plan's ``agree`` to a ``subscribe`` goes out, and ended when it sends a ``failure`` in that
conversation or takes the initiator's ``cancel``. Like runs, these are the cycle's own bookkeeping, explained
by its trace rows, not audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from agents.protocols.models import ProtocolSubscription


@transaction.atomic(savepoint=False)
def subscriptions_write(*, new: list[ProtocolSubscription], ended: list[tuple[Any, Any]],
                        now: datetime.datetime) -> None:
    """New subscriptions (a replayed or repeated agree finds its row: ``ON CONFLICT DO NOTHING``) and ended ones
    (``(run_id, participant_id)``): at most two statements for any number."""
    if new:
        ProtocolSubscription.objects.bulk_create(new, ignore_conflicts=True)
    if ended:
        which = Q()
        for run_id, participant_id in ended:
            which |= Q(run_id=run_id, participant_id=participant_id)
        ProtocolSubscription.objects.filter(which, active=True).update(active=False, updated_at=now)


def subscriptions_active(participant_ids: list[Any]) -> list[ProtocolSubscription]:
    """The live promises of these participants (one query, the partial index)."""
    return list(ProtocolSubscription.objects.filter(participant_id__in=participant_ids, active=True).order_by("id"))
