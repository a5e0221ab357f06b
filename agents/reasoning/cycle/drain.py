"""What a woken reasoning worker does, and the beat sweeper that makes good a lost wake-up.

``reasoning_drain`` runs batches until no agent is due or its time budget is spent (then it hands the rest
to the next free worker by publishing a fresh wake-up): an agent with more to do after its cycle is due at
once, so a plan of ten steps runs in ten consecutive batches without a wake-up in between. The sweeper
(``agents.sweep_reasoning`` on the beat) publishes a wake-up when agents are due and, as a repair, wakes
active internal agents that have pending events or running intentions but no ``wake_at`` (a resume whose
after-commit wake was lost with its process).

A drain also fires the protocol deadlines that fall due while it runs (``protocols_sweep`` between batches,
once per ``PROTOCOL_SWEEP_SECONDS``). The beat's own sweep (``agents.sweep_protocols``) is queued on the
``reasoning`` queue behind the wake-ups: when every child of every worker is inside a drain, it waits, and
expires after a second, so under load deadlines fired up to 23 s late (docs/protocols.md, Faults). The
sweep locks its initiators ``SKIP LOCKED`` in its own transaction, between batches, so it is the same
single writer as the beat's, only run where a worker already is.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agents.agent.models import AgentKind, AgentStatus
from agents.messaging.services.wakeup import wakeup_taken
from agents.protocols.sweeper import protocols_sweep
from agents.reasoning.cycle.batch import reason_batch
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.runtime.services import runtime_wake
from agents.reasoning.runtime.wakeup import REASON_WAKEUP_KEY, publish_reasoning_wakeup

logger = logging.getLogger("agents.reasoning")

#: How often a running drain fires the protocol deadlines due (the beat's schedule of agents.sweep_protocols).
PROTOCOL_SWEEP_SECONDS = 1.0


def knob(name: str, default: Any) -> Any:
    return (getattr(settings, "REASONING", None) or {}).get(name, default)


def reasoning_due() -> bool:
    return AgentRuntime.objects.filter(wake_at__lte=timezone.now()).exists()


def reasoning_drain(*, time_budget: float | None = None, batch_size: int | None = None) -> int:
    """Cycles run until nothing is due (or the budget is spent); the number of agent cycles."""
    budget = float(time_budget if time_budget is not None else knob("ROUND_SECONDS", 10.0))
    size = int(batch_size or knob("BATCH_SIZE", 100))
    wakeup_taken(REASON_WAKEUP_KEY)  # events committed from now on publish a fresh wake-up
    started, total = time.monotonic(), 0
    swept = started
    while time.monotonic() - started < budget:
        try:
            if time.monotonic() - swept >= PROTOCOL_SWEEP_SECONDS:
                swept = time.monotonic()
                protocols_sweep()
            ran = reason_batch(limit=size)
        except DatabaseError:
            # A deadlock with a poster, or the database going away: the batch rolled back, its agents are
            # still due; the next round (or the sweeper) takes them.
            logger.warning("a reasoning batch failed and was rolled back", exc_info=True)
            connection.close_if_unusable_or_obsolete()
            break
        total += ran
        if not ran:
            break
    else:
        if reasoning_due():
            publish_reasoning_wakeup()
    return total


@transaction.atomic
def reasoning_sweep(*, limit: int = 1000) -> dict[str, int]:
    """Publish a wake-up if agents are due; wake active agents with work but no ``wake_at``."""
    idle = AgentRuntime.objects.filter(wake_at__isnull=True, agent__status=AgentStatus.ACTIVE,
                                       agent__kind=AgentKind.INTERNAL)
    stranded = list(idle.filter(
        Q(Exists(AgentEvent.objects.filter(agent_id=OuterRef("agent_id"), consumed_at__isnull=True)))
        | Q(Exists(Intention.objects.filter(agent_id=OuterRef("agent_id"), status=IntentionStatus.RUNNING))))
        .values_list("agent_id", flat=True)[:limit])
    if stranded:
        runtime_wake(agent_ids=stranded)
    due = reasoning_due()
    if due:
        transaction.on_commit(publish_reasoning_wakeup, robust=True)
    return {"woken": len(stranded), "due": int(due)}


def runtime_resumed(agent_ids: list[Any]) -> None:
    """The agent package's resume hook: a resumed agent reasons over what waited (after the resume commits)."""
    with transaction.atomic():
        runtime_wake(agent_ids=agent_ids)
