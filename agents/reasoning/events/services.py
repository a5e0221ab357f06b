"""Writes of agent events: the one way an event is created, and the inbox handler of the delivery worker.

Every poster (goal adoption, belief changes, and later the cycle's own results, timers and approvals) goes
through ``agent_events_post``; delivered messages through ``message_events_store``, the handler messaging
calls from its hand-over (``agents.messaging.inbox``). Both store the events in one INSERT and wake their
agents' runtime rows in one more statement, in the caller's transaction (RUNTIME.md §1: every write that
creates an event sets ``wake_at`` in the same transaction).

Only internal agents get events: an external agent never runs the cycle, its runtime reads the API.
Events are not audited one by one: each is the consequence of an audited write (the goal, the belief,
the delivery), and the cycle's trace will record how it was consumed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from agents.agent.models import Agent, AgentKind
from agents.common.errors import invalid
from agents.common.limits import EVENT_ARGS_MAX_CHARS
from agents.common.validation import check_json, parse_uuid
from agents.messaging.inbox import InboxItem
from agents.reasoning.events.models import POSTABLE_KINDS, AgentEvent, EventKind, EventSource
from agents.reasoning.runtime.services import runtime_wake
from auditlog.actors import Actor
from auditlog.models import ActorType


@dataclass(frozen=True)
class NewEvent:
    """An event to post: for which agent, what kind, its arguments, and (internal events) its intention."""

    agent: Agent
    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    intention: Any = None


def event_source(by: Any) -> tuple[str, str, str]:
    """(source, source_id, source_name) of whoever ``by`` is: a user, an agent (its key or its cycle), or
    MABOS itself (a system actor, a management command, nobody)."""
    actor = Actor.coerce(by)
    if actor.type == ActorType.USER:
        return EventSource.USER, actor.id, actor.name
    if actor.type == ActorType.AGENT:
        return EventSource.AGENT, actor.id, actor.name
    return EventSource.SYSTEM, actor.id, actor.name


def _check(index: int | None, event: NewEvent) -> None:
    prefix = "" if index is None else f"events[{index}]."
    if event.kind not in POSTABLE_KINDS:
        raise invalid(f"{prefix}kind", f"Must be one of {', '.join(sorted(POSTABLE_KINDS))}.")
    if not isinstance(event.args, dict):
        raise invalid(f"{prefix}args", "Must be a JSON object.")
    check_json(f"{prefix}args", event.args, max_chars=EVENT_ARGS_MAX_CHARS)
    if event.intention is not None and parse_uuid(event.intention) is None:
        raise invalid(f"{prefix}intention", f"{event.intention!r} is not a valid id.")


def agent_events_post(*, events: Sequence[NewEvent], by: Any) -> list[AgentEvent]:
    """Store ``events`` (any number, any agents) and make their agents due, in the caller's transaction.

    One INSERT and one wake for the lot. Events for external agents are not stored (they never reason).
    A bad kind, args that are no JSON object or too large, or a bad intention id is a 400 naming it, and
    nothing is written. The checks run before the transaction is touched, so a caller that catches the
    error still has a usable transaction (the write joins the caller's without a savepoint of its own:
    two statements, not four).
    """
    many = len(events) > 1
    for index, event in enumerate(events):
        _check(index if many else None, event)
    return _events_store(events, by)


@transaction.atomic(savepoint=False)
def _events_store(events: Sequence[NewEvent], by: Any) -> list[AgentEvent]:
    source, source_id, source_name = event_source(by)
    now = timezone.now()
    rows = [AgentEvent(agent_id=event.agent.pk, kind=event.kind, args=event.args, source=source,
                       source_id=source_id, source_name=source_name, intention_id=event.intention, created_at=now)
            for event in events if event.agent.kind == AgentKind.INTERNAL]
    if not rows:
        return []
    AgentEvent.objects.bulk_create(rows, batch_size=2000)
    runtime_wake(agent_ids={row.agent_id for row in rows})
    return rows


def agent_event_post(*, agent: Agent, kind: str, by: Any, args: dict[str, Any] | None = None,
                     intention: Any = None) -> AgentEvent | None:
    """Post one event (``agent_events_post`` for one); None for an external agent, which gets none."""
    stored = agent_events_post(events=[NewEvent(agent=agent, kind=kind, args=args or {}, intention=intention)],
                               by=by)
    return stored[0] if stored else None


#: Every column of a message event and what the hand-over's INSERT writes into it (``e`` is one delivery of the
#: batch; ``id`` is the table's sequence). A test checks they cover the model's concrete fields.
MESSAGE_EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("agent_id", "e.agent_id"), ("kind", f"'{EventKind.MESSAGE.value}'"), ("args", "'{}'::jsonb"),
    ("source", f"'{EventSource.MESSAGE.value}'"), ("source_id", "''"), ("source_name", "''"),
    ("delivery_id", "e.delivery_id"), ("message_id", "e.message_id"), ("intention_id", "NULL"),
    ("created_at", "%(now)s"), ("consumed_at", "NULL"),
)
# Built once from the constants above, never from input: the batch travels as one array per column. In the
# order given (ids follow it), and ``ON CONFLICT DO NOTHING`` as bulk_create's ignore_conflicts: the unique
# delivery makes a retried hand-over store nothing twice.
_MESSAGE_EVENTS = (
    f"INSERT INTO {AgentEvent._meta.db_table} ({', '.join(name for name, _v in MESSAGE_EVENT_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(value for _n, value in MESSAGE_EVENT_COLUMNS)} "
    "FROM unnest(%(agents)s::uuid[], %(deliveries)s::uuid[], %(messages)s::uuid[]) WITH ORDINALITY "
    "AS e(agent_id, delivery_id, message_id, position) ORDER BY e.position ON CONFLICT DO NOTHING"
)


@transaction.atomic(savepoint=False)
def message_events_store(items: list[InboxItem], now: datetime.datetime) -> None:
    """The inbox handler (``agents.messaging.inbox``): one ``message`` event per delivery, and the wake.

    Called by the delivery worker's hand-over, in its transaction, for deliveries to internal agents it
    still holds. ``ON CONFLICT DO NOTHING`` on the unique delivery: a hand-over retried after a crash
    stores nothing twice (the agents are woken again, which is harmless). On PostgreSQL one statement from
    column arrays: ``bulk_create`` built and prepared an instance per delivery, two thirds of the delivery
    worker's CPU per message (docs/benchmarks.md, (a)).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_MESSAGE_EVENTS, {"now": now, "agents": [item.recipient_id for item in items],
                                             "deliveries": [item.delivery_id for item in items],
                                             "messages": [item.message_id for item in items]})
    else:
        AgentEvent.objects.bulk_create(
            [AgentEvent(agent_id=item.recipient_id, kind=EventKind.MESSAGE, source=EventSource.MESSAGE,
                        delivery_id=item.delivery_id, message_id=item.message_id, created_at=now)
             for item in items], ignore_conflicts=True, batch_size=2000)
    runtime_wake(agent_ids={item.recipient_id for item in items})


_STATE_LOCKED = "SELECT kind, status FROM agents_agent WHERE id = %s FOR KEY SHARE"


def agent_state_locked(agent_id: Any) -> tuple[str, str] | None:
    """The agent's (kind, status) as committed now, held until the caller's transaction ends.

    ``FOR KEY SHARE`` conflicts only with the ``FOR UPDATE`` of a lifecycle change
    (``agent_transition``): a stop that races a goal adoption either waits for it or is seen by it, so
    a goal is never adopted by an agent that was stopped meanwhile. It is the lock an event's foreign key
    takes anyway, so it blocks nothing else. (SQLite: one writer; a plain read.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_STATE_LOCKED, [str(agent_id)])
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None
    return Agent.objects.filter(pk=agent_id).values_list("kind", "status").first()


def protocol_runs_closed(closed: list[Any]) -> None:
    """The protocol sweeper's closed-run handler (``agents.protocols.hooks``): a ``protocol`` event for each
    run's initiator, naming the run and the intention that waits on it, in the sweeper's transaction."""
    agents = {a.pk: a for a in Agent.objects.filter(pk__in={c.initiator_id for c in closed}).only("id", "kind")}
    events = [NewEvent(agent=agents[c.initiator_id], kind=EventKind.PROTOCOL, intention=c.intention_id,
                       args={"run": str(c.run_id), "protocol": c.protocol, "state": c.state, "reason": c.reason,
                             **({"phase": "all_responses", **c.result} if c.result is not None else {})})
              for c in closed if c.initiator_id in agents]
    if events:
        _events_store(events, Actor.system("protocols"))  # cycle/protocols.py trusts only this source
