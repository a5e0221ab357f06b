"""One batch: claim due agents, load their minds in bulk, run one cycle each, write back, one commit.

The claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` on the runtime rows in due order (the partial index
``agentruntime_due_idx``): workers never wait for each other and one agent is never reasoned by two at
once. The locks are held until the batch commits; a worker that dies mid-batch rolls everything back and
the agents are still due for the next worker. A claimed agent that is not active (paused, stopped,
failed) or no longer internal is made idle instead; resuming wakes it (``runtime_resumed``).

Loading is a fixed number of queries whatever the batch size: the agents, up to ``EVENTS_LOOKAHEAD`` pending
events each (one LATERAL probe of the pending index per agent), their beliefs, live intentions, the
messages and goals those name, the maintain goals, and the plan library.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agents.agent.models import Agent, AgentKind, AgentStatus
from agents.messaging.models import Message
from agents.protocols.models import ProtocolRun
from agents.protocols.subscriptions import subscriptions_active
from agents.protocols.transitions import CONTRACT_NET
from agents.reasoning.cycle.interpreter import Cycle
from agents.reasoning.cycle.library import Directory, Library
from agents.reasoning.cycle.selection import Policy, policy_from_settings
from agents.reasoning.cycle.state import Mind
from agents.reasoning.cycle.steps import step
from agents.reasoning.cycle.told import told_load
from agents.reasoning.cycle.writes import minds_write
from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.intentions.models import LIVE, Intention
from agents.reasoning.models import Belief, Goal, GoalStatus
from agents.reasoning.runtime.models import AgentRuntime

logger = logging.getLogger("agents.reasoning")

#: What the cycle reads of an agent (a message's sender, a trace's words, the plans of its scope).
AGENT_FIELDS = ("id", "organization_id", "role_id", "slug", "name", "status", "kind")
#: Pending events read per agent and cycle: one is taken; the rest say whether more wait.
EVENTS_LOOKAHEAD = 2

_CLAIM = """
SELECT agent_id, cycle_count FROM agents_agentruntime
WHERE wake_at <= now()
ORDER BY wake_at
LIMIT %s
FOR UPDATE SKIP LOCKED
"""

_PENDING = """
SELECT e.id, e.agent_id, e.kind, e.args, e.source, e.source_id, e.source_name, e.message_id
FROM unnest(%s::uuid[]) AS a(id)
CROSS JOIN LATERAL (
    SELECT id, agent_id, kind, args, source, source_id, source_name, message_id FROM agents_agentevent
    WHERE agent_id = a.id AND consumed_at IS NULL
    ORDER BY id
    LIMIT %s
) AS e
ORDER BY e.agent_id, e.id
"""


_PENDING_FIELDS = ("id", "agent_id", "kind", "args", "source", "source_id", "source_name", "message_id")


@dataclass(frozen=True)
class PendingEvent:
    """What the cycle reads of a pending event (a model instance per event cost more than the cycle's logic)."""

    pk: int
    agent_id: Any
    kind: str
    args: dict[str, Any]
    source: str
    source_id: str
    source_name: str
    message_id: Any


def claim(limit: int) -> dict[Any, int]:
    """Lock up to ``limit`` due runtime rows no other worker holds (in the caller's transaction): agent id ->
    its cycle count, in due order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM, [limit])
            return dict(cursor.fetchall())
    return dict(AgentRuntime.objects.filter(wake_at__lte=timezone.now()).order_by("wake_at")
                .values_list("agent_id", "cycle_count")[:limit])


def _pending(agent_ids: list[Any], limit: int) -> dict[Any, list[PendingEvent]]:
    out: dict[Any, list[PendingEvent]] = defaultdict(list)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PENDING, [[str(pk) for pk in agent_ids], limit])
            rows = cursor.fetchall()
    else:
        rows = [row for pk in agent_ids
                for row in AgentEvent.objects.filter(agent_id=pk, consumed_at__isnull=True).order_by("id")
                .values_list(*_PENDING_FIELDS)[:limit]]
    for pk, agent_id, kind, args, source, source_id, source_name, message_id in rows:
        if isinstance(args, str):  # a raw cursor on a backend that returns JSON as text
            args = json.loads(args)
        out[agent_id].append(PendingEvent(pk, agent_id, kind, args or {}, source, source_id, source_name,
                                                message_id))
    return out


def minds_load(agents: list[Agent], cycles: dict[Any, int]) -> tuple[list[Mind], Library]:
    ids = [agent.pk for agent in agents]
    pending = _pending(ids, EVENTS_LOOKAHEAD)
    beliefs: dict[Any, dict[str, Any]] = defaultdict(dict)
    for agent_id, key, value in Belief.objects.filter(agent_id__in=ids).values_list("agent_id", "key", "value"):
        beliefs[agent_id][key] = value
    intentions: dict[Any, list[Intention]] = defaultdict(list)
    for intention in Intention.objects.filter(agent_id__in=ids, status__in=sorted(LIVE)).order_by("created_at"):
        intentions[intention.agent_id].append(intention)
    # A reply sent by a later step than the first still names the message it answers: the messages the
    # frames of live intentions reply to are loaded with those of the events.
    replying: dict[Any, set[Any]] = defaultdict(set)
    for agent_id, live in intentions.items():
        for intention in live:
            for frame in intention.stack:
                answered = (frame.get("reply") or {}).get("message")
                if answered and _is_uuid(answered):
                    replying[agent_id].add(uuid.UUID(answered))
    message_ids = {e.message_id for events in pending.values() for e in events if e.message_id}
    message_ids |= {pk for ids in replying.values() for pk in ids}
    messages = {m.pk: m for m in Message.objects.filter(pk__in=message_ids)} if message_ids else {}
    # A message of a protocol run's conversation is checked against the run before plan selection (with or
    # without its protocol field: an external agent's reply through the API may leave it out): the runs of
    # the batch's conversations, with their sessions (one query, and one more when there are runs).
    conversations = {m.conversation_id for m in messages.values()}
    # Contract-Net: the runs the live intentions decide on (a frame resumed from a cfp) and those the sweeper's
    # protocol events name, in the same query (docs/protocols.md, Contract-Net).
    deciding = _deciding_runs(intentions, pending)
    conversations |= {pk for ids in deciding.values() for pk in ids}
    runs = {run.pk: run for run in ProtocolRun.objects.filter(pk__in=conversations).prefetch_related("sessions")} \
        if conversations else {}
    # FIPA Subscribe: the promises of the agents about to take a belief event (one query, only then).
    changing = [pk for pk, events in pending.items() if events[:EVENTS_LOOKAHEAD - 1]
                and events[0].kind in (EventKind.BELIEF_ADDED, EventKind.BELIEF_CHANGED, EventKind.BELIEF_REMOVED)]
    subscriptions: dict[Any, list[Any]] = defaultdict(list)
    for subscription in (subscriptions_active(changing) if changing else []):
        subscriptions[subscription.participant_id].append(subscription)
    goal_ids = {str(e.args.get("goal")) for events in pending.values() for e in events
                if e.kind == EventKind.GOAL_ADDED and e.args.get("goal")}
    version_ids: set[str] = set()
    for live in intentions.values():
        for intention in live:
            for frame in intention.stack:
                goal_ids.update(g for g in [frame.get("goal"), *frame.get("goals", [])] if g)
                if frame.get("version"):
                    version_ids.add(frame["version"])
    goals: dict[Any, dict[str, Goal]] = defaultdict(dict)
    wanted = Q(agent_id__in=ids, kind="maintain", status__in=[GoalStatus.ACHIEVED, GoalStatus.ACTIVE]) \
        & ~Q(condition="")
    valid_ids = [g for g in goal_ids if _is_uuid(g)]
    if valid_ids:
        wanted |= Q(pk__in=valid_ids, agent_id__in=ids)
    for goal in Goal.objects.filter(wanted):
        goals[goal.agent_id][str(goal.pk)] = goal
    told, adopting = told_load(agents, messages, pending)
    library = Library.load(organization_ids={a.organization_id for a in agents}, role_ids={a.role_id for a in agents},
                           version_ids=version_ids, agent_ids=ids)
    minds = []
    for agent in agents:
        events = pending.get(agent.pk, [])
        minds.append(Mind(agent=agent, cycle_count=cycles[agent.pk], beliefs=beliefs[agent.pk],
                          events=events[:EVENTS_LOOKAHEAD - 1], more_events=len(events) >= EVENTS_LOOKAHEAD,
                          intentions=intentions[agent.pk], goals=goals[agent.pk],
                          messages={m: messages[m] for m in {e.message_id for e in events} | replying[agent.pk]
                                    if m in messages},
                          runs={m.conversation_id: runs[m.conversation_id] for m in
                                (messages[pk] for pk in {e.message_id for e in events} | replying[agent.pk]
                                 if pk in messages)
                                if m.conversation_id in runs}
                          | {pk: runs[pk] for pk in deciding[agent.pk] if pk in runs},
                          subscriptions=subscriptions[agent.pk], told=told, adopts=agent.role_id in adopting))
    return minds, library


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def think(mind: Mind, library: Library, directory: Directory, *, now: Any, policy: Policy) -> None:
    """One cycle of one agent; a Python error in MABOS fails nothing else: the event is set aside, traced."""
    started = time.perf_counter()
    try:
        Cycle(mind, library, directory, now=now, policy=policy).run(step)
    except Exception as error:
        logger.exception("the cycle of agent %s failed inside MABOS", mind.agent.pk)
        taken = mind.consumed[:1]
        for name in ("new_events", "new_goals", "drafts", "actions", "consumed", "new_runs", "outcomes", "adoptions"):
            getattr(mind, name).clear()
        mind.belief_writes.clear()
        mind.goal_status.clear()
        mind.new_intentions.clear()
        mind.changed_intentions.clear()
        mind.used_versions.clear()
        mind.changed_runs.clear()
        mind.changed_sessions.clear()
        mind.ended_subscriptions.clear()
        mind.collected.clear()
        mind.intentions = [i for i in mind.intentions if i._state.adding is False]
        mind.consumed.extend(taken)  # the event it choked on is not taken again and again
        mind.error = f"{type(error).__name__}: {error}"[:2000]
        mind.trace = {"event": mind.trace.get("event"), "options": [], "choice": None,
                      "steps": [{"kind": "cycle", "result": "failed", "detail": f"internal error: {mind.error}"}]}
    mind.duration_us = int((time.perf_counter() - started) * 1_000_000)


def reason_batch(*, limit: int, policy: Policy | None = None) -> int:
    """Claim, think, write, commit: the number of agents that ran a cycle (0: nothing was due)."""
    policy = policy or policy_from_settings()
    with transaction.atomic():
        claimed = claim(limit)
        if not claimed:
            return 0
        now = timezone.now()
        agents = list(Agent.objects.filter(pk__in=list(claimed)).only(*AGENT_FIELDS))
        active = [a for a in agents if a.status == AgentStatus.ACTIVE and a.kind == AgentKind.INTERNAL]
        running = {a.pk for a in active}
        skipped = [pk for pk in claimed if pk not in running]
        minds, library = minds_load(active, claimed) if active else ([], Library([]))
        directory = Directory()
        policy = policy.for_batch(minds, library)
        for mind in minds:
            think(mind, library, directory, now=now, policy=policy)
        minds_write(minds, skipped=skipped, now=now)
    return len(minds)


def _deciding_runs(intentions: dict[Any, list[Any]], pending: dict[Any, list[Any]]) -> dict[Any, set[Any]]:
    """Per agent, the Contract-Net runs its intentions decide on and those its protocol events name."""
    deciding: dict[Any, set[Any]] = defaultdict(set)
    for agent_id, live in intentions.items():
        for intention in live:
            for frame in intention.stack:
                if frame.get("deciding") and _is_uuid(frame["deciding"]):
                    deciding[agent_id].add(uuid.UUID(frame["deciding"]))
    for agent_id, events in pending.items():
        for event in events:
            args = event.args or {}
            run_id = args.get("run") if event.kind == EventKind.PROTOCOL and args.get("protocol") == CONTRACT_NET \
                else None
            if isinstance(run_id, str) and _is_uuid(run_id):
                deciding[agent_id].add(uuid.UUID(run_id))
    return deciding
