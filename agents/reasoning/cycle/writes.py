"""Write what a batch of cycles did, in bulk, in the claim's transaction (RUNTIME.md §1).

A fixed number of statements for any batch size: the consumed events, the events the cycles posted, belief
upserts and removals, new goals and goal statuses, new and changed intentions, the messages of ``send``
steps (one statement per organization, through the outbox), action and approval requests, one trace row per cycle, and
the runtime rows. Nothing here is audited: these are an agent's own bookkeeping, explained by the trace
rows, and the audit chain's lock must not be taken while the batch holds claimed runtime rows
(docs/reasoning.md, "For the cycle"). A plan version's first use is recorded (and audited) after commit.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from agents.common.bulk import rows_copy, rows_update
from agents.common.limits import TRACE_MAX_CHARS
from agents.messaging.models import Message
from agents.messaging.services.outbox import Draft as OutboxDraft
from agents.messaging.services.outbox import drafts_insert
from agents.messaging.services.recipients import RecipientSpec
from agents.organization.models import Organization
from agents.protocols.services import runs_write
from agents.protocols.subscriptions import subscriptions_write
from agents.reasoning.actions.services import action_requests_insert
from agents.reasoning.approvals.services.requests import approval_requests_insert
from agents.reasoning.cycle.learned import outcomes_write
from agents.reasoning.cycle.state import Mind
from agents.reasoning.cycle.subscriptions import subscriptions_from_drafts
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.intentions.models import Intention
from agents.reasoning.models import Belief, Goal, PlanAdoption
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.services.goals import goals_waiting_retry
from agents.reasoning.trace.models import CycleTrace
from auditlog.actors import Actor

INTENTION_FIELDS = ["status", "stack", "goal", "wait", "wait_until", "steps_total", "last_cycle", "error",
                    "updated_at", "finished_at"]
SYSTEM = Actor.system("reasoning")

_RUNTIMES = """
UPDATE agents_agentruntime AS r
SET wake_at = CASE WHEN v.due THEN now() ELSE v.timer END,
    cycle_count = r.cycle_count + v.cycles,
    heartbeat_at = CASE WHEN v.cycles > 0 THEN %(now)s ELSE r.heartbeat_at END,
    last_error = CASE WHEN v.error <> '' THEN v.error ELSE r.last_error END,
    lease_until = NULL, updated_at = now()
FROM unnest(%(ids)s::uuid[], %(due)s::boolean[], %(timer)s::timestamptz[], %(cycles)s::int[], %(error)s::text[])
     AS v(agent_id, due, timer, cycles, error)
WHERE r.agent_id = v.agent_id
"""


def minds_write(minds: list[Mind], *, skipped: list[Any], now: datetime.datetime) -> None:
    """Everything the batch's cycles did; ``skipped`` agents (paused, stopped) are made idle."""
    consumed = [pk for mind in minds for pk in mind.consumed]
    if consumed:
        AgentEvent.objects.filter(pk__in=consumed).update(consumed_at=now)
    _beliefs(minds, now)
    new_goals = [goal for mind in minds for goal in mind.new_goals]
    if new_goals:
        Goal.objects.bulk_create(new_goals)
    _goal_statuses(minds, now)
    _intentions(minds)
    events = [event for mind in minds for event in mind.new_events]
    if events:
        rows_copy(AgentEvent, EVENT_COLUMNS, events)
    _messages(minds)
    _runs(minds)
    _subscriptions(minds, now)
    _actions(minds)
    _approvals(minds)
    outcomes_write(minds)
    _adoptions(minds, now)
    _traces(minds, now)
    _runtimes(minds, skipped, now)
    used = {pk for mind in minds for pk in mind.used_versions}
    if used:
        transaction.on_commit(lambda: _mark_used(used, now), robust=True)


#: The columns the hot inserts write through COPY (a test checks they cover the models' concrete fields).
EVENT_COLUMNS = ("agent_id", "kind", "args", "source", "source_id", "source_name", "delivery_id", "message_id",
                 "intention_id", "created_at", "consumed_at")
INTENTION_COLUMNS = ("id", "agent_id", "status", "stack", "goal_id", "trigger_kind", "trigger_name", "event_id",
                     "wait", "wait_until", "steps_total", "last_cycle", "error", "created_at", "updated_at",
                     "finished_at")
TRACE_COLUMNS = ("agent_id", "cycle", "at", "duration_us", "event", "options", "choice", "steps")


def _beliefs(minds: list[Mind], now: datetime.datetime) -> None:
    upserts, removals = [], Q()
    removing = False
    for mind in minds:
        for key, (present, value) in mind.belief_writes.items():
            if present:
                upserts.append(Belief(agent_id=mind.agent.pk, key=key, value=value, confidence=1.0,
                                      source="its own plan", created_at=now, updated_at=now))
            else:
                removals |= Q(agent_id=mind.agent.pk, key=key)
                removing = True
    if upserts:
        Belief.objects.bulk_create(upserts, update_conflicts=True, unique_fields=["agent", "key"],
                                   update_fields=["value", "confidence", "source", "updated_at"])
    if removing:
        Belief.objects.filter(removals).delete()


def _goal_statuses(minds: list[Mind], now: datetime.datetime) -> None:
    by_status: dict[str, list[str]] = defaultdict(list)
    fresh = {str(goal.pk) for mind in minds for goal in mind.new_goals}
    for mind in minds:
        for goal_id, status in mind.goal_status.items():
            if goal_id not in fresh:  # a new goal is inserted with its final status
                by_status[status].append(goal_id)
    for status, ids in by_status.items():
        Goal.objects.filter(pk__in=ids).update(status=status, updated_at=now)


def _intentions(minds: list[Mind]) -> None:
    new, changed = [], []
    for mind in minds:
        for intention in mind.intentions:
            if intention.id in mind.new_intentions:
                new.append(intention)
            elif intention.id in mind.changed_intentions:
                changed.append(intention)
    if new:
        rows_copy(Intention, INTENTION_COLUMNS, new)
    if changed:
        rows_update(Intention, changed, INTENTION_FIELDS)


def _messages(minds: list[Mind]) -> None:
    by_org: dict[Any, list[OutboxDraft]] = defaultdict(list)
    keys = []
    for mind in minds:
        for draft in mind.drafts:
            keys.append((mind.agent.pk, draft.key))
    if not keys:
        return
    # Belt and braces: a replayed cycle rolled back its sends with it, so no key can exist; if one does,
    # that message went out already and is not sent again.
    sent = set(Message.objects.filter(sender_agent_id__in={pk for pk, _ in keys},
                                      idempotency_key__in=[key for _, key in keys])
               .values_list("sender_agent_id", "idempotency_key"))
    wanted = {mind.agent.organization_id for mind in minds if mind.drafts}
    organizations = {org.pk: org for org in Organization.objects.filter(pk__in=wanted)}
    for mind in minds:
        for draft in mind.drafts:
            if (mind.agent.pk, draft.key) in sent:
                continue
            by_org[mind.agent.organization_id].append(OutboxDraft(
                sender_agent=mind.agent, sender_user=None, key=draft.key, performative=draft.performative,
                content=draft.content, priority=0, expires_at=None, reply_by=draft.reply_by, spec=RecipientSpec(),
                texts={"ontology": draft.ontology, "language": "", "protocol": draft.protocol, "topic": "",
                       "reply_with": ""},
                conversation=draft.conversation_id, parent=draft.in_reply_to, recipient_ids=draft.recipients))
    for organization_id, drafts in by_org.items():
        drafts_insert(organization=organizations[organization_id], drafts=drafts)


def _runs(minds: list[Mind]) -> None:
    """Runs opened by ``start_protocol`` steps, and runs moved by the messages the cycles took."""
    new = [pair for mind in minds for pair in mind.new_runs]
    changed = [run for mind in minds for run in mind.changed_runs.values()]
    sessions = [session for mind in minds for session in mind.changed_sessions.values()]
    if new or changed or sessions:
        runs_write(new=new, changed=changed, sessions=sessions)


def _subscriptions(minds: list[Mind], now: datetime.datetime) -> None:
    """FIPA Subscribe: the participants' promises made (an agree sent) and ended (a failure sent, a cancel taken)."""
    new, ended = [], []
    for mind in minds:
        made, gone = subscriptions_from_drafts(mind, now)
        new.extend(made)
        ended.extend(gone)
    if new or ended:
        subscriptions_write(new=new, ended=ended, now=now)


def _actions(minds: list[Mind]) -> None:
    requests = [request for mind in minds for request in mind.actions]
    if requests:
        action_requests_insert(requests=requests)


def _approvals(minds: list[Mind]) -> None:
    requests = [request for mind in minds for request in mind.approvals]
    if requests:
        approval_requests_insert(requests=requests)


def _adoptions(minds: list[Mind], now: datetime.datetime) -> None:
    """Told plans adopted (cycle/told.py): one upsert; a version told later replaces the one adopted before."""
    rows = [PlanAdoption(agent_id=mind.agent.pk, plan_id=told["plan"], version_id=told["version"],
                         told_by_id=told["told_by"], message_id=told["message"], adopted_at=now)
            for mind in minds for told in mind.adoptions]
    if rows:
        PlanAdoption.objects.bulk_create(rows, update_conflicts=True, unique_fields=["agent", "plan"],
                                         update_fields=["version", "told_by", "message", "adopted_at"])
    # A goal the agent kept pending for want of a plan is posted again once the adoption commits, as a new
    # plan's goals are (plans/services.py): after the commit, so the retry's events never wait on this batch.
    waiting = {(mind.agent.pk, told["goal"]) for mind in minds for told in mind.adoptions if told.get("goal")}
    for agent_id, name in sorted(waiting, key=str):
        transaction.on_commit(functools.partial(goals_waiting_retry, name=name, by=SYSTEM, agent_id=agent_id),
                              robust=True)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _bounded(items: list[Any], limit: int = TRACE_MAX_CHARS) -> tuple[list[Any], str]:
    """A trace list cut to fit its column (a last entry says how many were left out), and its JSON text."""
    text = _dumps(items)
    if len(text) <= limit:
        return items, text
    kept: list[Any] = []
    size = 2
    for item in items:
        size += len(_dumps(item)) + 1
        if size > limit - 200:
            break
        kept.append(item)
    kept.append({"truncated": len(items) - len(kept)})
    return kept, _dumps(kept)


def _traces(minds: list[Mind], now: datetime.datetime) -> None:
    """One trace row per cycle. On PostgreSQL one COPY of rows whose JSON is encoded once (the size check and
    the row share the text); elsewhere the ORM."""
    rows = []
    for mind in minds:
        trace = mind.trace
        options, options_text = _bounded(trace.get("options", []))
        steps, steps_text = _bounded(trace.get("steps", []))
        event, choice = trace.get("event"), trace.get("choice")
        rows.append((mind, options, options_text, steps, steps_text, event, choice))
    if connection.vendor != "postgresql":
        CycleTrace.objects.bulk_create([
            CycleTrace(agent_id=mind.agent.pk, cycle=mind.cycle_count + 1, at=now,
                       duration_us=min(mind.duration_us, 2**31 - 1), event=event, options=options, choice=choice,
                       steps=steps) for mind, options, _o, steps, _s, event, choice in rows])
        return
    sql = f"COPY {CycleTrace._meta.db_table} ({', '.join(TRACE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for mind, _options, options_text, _steps, steps_text, event, choice in rows:
            copy.write_row([mind.agent.pk, mind.cycle_count + 1, now, min(mind.duration_us, 2**31 - 1),
                            None if event is None else _dumps(event), options_text,
                            None if choice is None else _dumps(choice), steps_text])


def _runtimes(minds: list[Mind], skipped: list[Any], now: datetime.datetime) -> None:
    ids, due, timer, cycles, error = [], [], [], [], []
    for mind in minds:
        ids.append(mind.agent.pk)
        due.append(mind.has_work())
        timer.append(mind.next_timer())
        cycles.append(1)
        error.append(mind.error)
    for pk in skipped:
        ids.append(pk)
        due.append(False)
        timer.append(None)
        cycles.append(0)
        error.append("")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_RUNTIMES, {"ids": ids, "due": due, "timer": timer, "cycles": cycles, "error": error,
                                       "now": now})
        return
    rows = {r.agent_id: r for r in AgentRuntime.objects.filter(agent_id__in=ids)}
    for pk, is_due, at, count, problem in zip(ids, due, timer, cycles, error, strict=True):
        row = rows.get(pk)
        if row is None:
            continue
        row.wake_at = now if is_due else at
        row.cycle_count += count
        row.heartbeat_at = now if count else row.heartbeat_at
        row.last_error = problem or row.last_error
        row.lease_until = None
    AgentRuntime.objects.bulk_update(list(rows.values()), ["wake_at", "cycle_count", "heartbeat_at", "last_error",
                                                           "lease_until"])


#: Versions this process has seen marked used: versions are immutable, so once marked, always marked.
_known_used: set[str] = set()


def _mark_used(version_ids: set[Any], now: datetime.datetime) -> None:
    """After commit, in its own transaction: the first use of each version, audited by the plan service."""
    from agents.reasoning.plans.models import PlanVersion
    from agents.reasoning.plans.services import plan_versions_mark_used

    wanted = {str(pk) for pk in version_ids} - _known_used
    if not wanted:
        return
    fresh = list(PlanVersion.objects.filter(pk__in=wanted, used_at__isnull=True))
    if fresh:
        plan_versions_mark_used(versions=fresh, by=SYSTEM, at=now)
    if len(_known_used) < 100_000:
        _known_used.update(wanted)
