"""Writes of runtime rows: make agents due (the wake), and keep one row per internal agent.

``runtime_wake`` is what every event poster calls, in the transaction that stores the event: the event and
its agent's ``wake_at`` commit together, so the cycle can never miss an event by looking only at due
runtimes. It is one statement for any number of agents:

- an upsert, so an internal agent whose row is missing still gets one (and is due);
- ``wake_at = LEAST(wake_at, now)``: an agent already due keeps its earlier time, so a busy agent that
  receives event after event is not pushed back in the claim's order (it is ordered by ``wake_at``);
- unconditional, never "only where not yet due": the cycle clears ``wake_at`` of an agent it has drained
  while holding the row locked; a poster that skipped an already-due row would not wait for that lock, and
  its event, committed after the cycle read the queue, would be left pending with nobody due. Writing the
  row makes the poster wait for the cycle's commit and then set ``wake_at`` again;
- rows are locked in agent id order, so two posters waking overlapping sets cannot deadlock;
- the lock order with the rest is: agent rows (a lifecycle change, an event's foreign key), then runtime
  rows, then the audit chain (its transaction-wide advisory lock). A poster wakes before it writes its
  audit event: waiting for a cycle that holds the agent while holding the chain would stall every audited
  write in the system; and the delivery hand-over wakes before its dead letters are audited.

On PostgreSQL ``now`` is the database's clock, as in the claim that compares with it: a web host whose
clock runs ahead cannot make an agent wait. The ORM path (SQLite, one writer) uses this process's clock.

Nothing here is audited: a runtime row is bookkeeping derived from audited writes (the goal, the belief,
the delivery), like a delivery's status.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agents.agent.models import Agent, AgentKind
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.runtime.wakeup import reasoning_wakeup_after_commit

_WAKE = """
INSERT INTO agents_agentruntime AS r (agent_id, wake_at)
SELECT a.id, COALESCE(%(at)s::timestamptz, now())
FROM agents_agent a
WHERE a.id = ANY(%(ids)s::uuid[]) AND a.kind = 'internal'
ORDER BY a.id
ON CONFLICT (agent_id) DO UPDATE SET wake_at = LEAST(r.wake_at, EXCLUDED.wake_at), updated_at = now()
"""


@transaction.atomic(savepoint=False)
def runtime_wake(*, agent_ids: Iterable[Any], at: datetime.datetime | None = None) -> int:
    """Make the internal agents among ``agent_ids`` due for a cycle no later than ``at`` (default: now).

    Call it in the transaction that writes their events (the event posters do). External agents are
    left alone: they never run the cycle. The reasoning wake-up is published after commit. Returns the
    number of runtime rows written.
    """
    ids = sorted({str(pk) for pk in agent_ids})
    if not ids:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_WAKE, {"ids": ids, "at": at})
            written = cursor.rowcount
    else:
        written = _wake_single_writer(ids, at or timezone.now())
    if written:
        reasoning_wakeup_after_commit()
    return written


def _wake_single_writer(ids: list[str], when: datetime.datetime) -> int:
    """The same wake for SQLite: its transactions exclude other writers, so read-then-write is safe."""
    internal = list(Agent.objects.filter(pk__in=ids, kind=AgentKind.INTERNAL).values_list("pk", flat=True))
    have = set(AgentRuntime.objects.filter(agent_id__in=internal).values_list("agent_id", flat=True))
    AgentRuntime.objects.filter(agent_id__in=have).filter(Q(wake_at__isnull=True) | Q(wake_at__gt=when)).update(
        wake_at=when, updated_at=timezone.now())
    AgentRuntime.objects.bulk_create([AgentRuntime(agent_id=pk, wake_at=when) for pk in internal if pk not in have],
                                     ignore_conflicts=True)
    return len(internal)


@transaction.atomic(savepoint=False)
def runtimes_ensure(*, agent_ids: Iterable[Any]) -> int:
    """Give each internal agent among ``agent_ids`` its runtime row (if it has none yet).

    An agent that already has pending events (made internal again after a spell as an external agent) is
    made due at once, so they are not left waiting for an event that may never come.
    """
    ids = set(agent_ids)
    internal = Agent.objects.filter(pk__in=ids, kind=AgentKind.INTERNAL).exclude(
        Exists(AgentRuntime.objects.filter(agent_id=OuterRef("pk"))))
    pending = AgentEvent.objects.filter(agent_id=OuterRef("pk"), consumed_at__isnull=True)
    now = timezone.now()
    rows = [AgentRuntime(agent_id=pk, wake_at=now if has_pending else None)
            for pk, has_pending in internal.annotate(has_pending=Exists(pending)).values_list("pk", "has_pending")]
    AgentRuntime.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic(savepoint=False)
def runtimes_drop(*, agent_ids: Iterable[Any]) -> int:
    """Remove the runtime rows of agents that are no longer internal: an external agent never runs the cycle.

    Their pending events stay (and show in ``agents/{id}/events/``): made internal again, the agent gets a
    new row and is due at once.
    """
    return AgentRuntime.objects.filter(agent_id__in=list(agent_ids)).exclude(
        agent__kind=AgentKind.INTERNAL).delete()[0]


def runtime_kinds_changed(internal: list[Any], external: list[Any]) -> None:
    """The hook the agent services call when agents are created or re-kinded (``agents.agent.hooks``)."""
    if internal:
        runtimes_ensure(agent_ids=internal)
    if external:
        runtimes_drop(agent_ids=external)


_TRY_LOCK = """
SELECT agent_id FROM agents_agentruntime WHERE agent_id = ANY(%s::uuid[]) ORDER BY agent_id FOR UPDATE SKIP LOCKED
"""


def runtimes_try_lock(agent_ids: list[Any]) -> set[Any]:
    """Lock the runtime rows of ``agent_ids`` that no batch holds, in the caller's transaction; the ids locked.

    The protocol sweeper's owner lock (``agents.protocols.hooks``): a run is written only by whoever holds its
    initiator's runtime row, the claim's batch or the sweeper, and neither waits for the other.
    """
    if not agent_ids:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_TRY_LOCK, [[str(pk) for pk in agent_ids]])
            return {row[0] for row in cursor.fetchall()}
    return set(AgentRuntime.objects.filter(agent_id__in=agent_ids).values_list("agent_id", flat=True))
