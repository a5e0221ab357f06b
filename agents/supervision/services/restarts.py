"""What supervision does to an agent: stop it for a restart, restart it after the back-off, escalate.

A restart is two moves, like OTP's terminate then start, with the back-off between them:

1. ``agent_stop_for_restart`` (at once): the agent is marked ``failed`` through ``agent_transition``; its live
   intentions are dropped (each with ``error: restarted``, a trace row, and its unfinished goals failed); its
   pending action requests fail (``restarted``) so no worker starts them; its runtime lease is cleared and it
   is made idle; with the policy's ``reset_beliefs`` its beliefs go back to the role's starting ones.
2. ``agent_restart_now`` (once the back-off has run out): ``agent_transition("restart")`` makes it active
   (which wakes it for what waited meanwhile) and the role's starting goals it no longer pursues are adopted
   again.

What a restart keeps: its mail (deliveries and pending events wait), its plans, its beliefs (unless
``reset_beliefs``), its protocol runs, its history. Lock order: the agent row, then its runtime row (taken
with ``SKIP LOCKED``: an agent a batch holds is left for the next check, never waited for), then its
intentions and goals, then the audit chain.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import F

from agents.agent.models import Agent, AgentKind, AgentStatus
from agents.agent.services.lifecycle import agent_transition
from agents.common.audit import record
from agents.messaging.models import Performative
from agents.messaging.services.outbox import message_insert
from agents.reasoning.actions.models import ActionRequest, ActionStatus
from agents.reasoning.approvals.services.requests import approval_request_standalone
from agents.reasoning.intentions.models import LIVE, Intention, IntentionStatus
from agents.reasoning.intentions.services import GOAL_FINISHED, intention_goal_ids
from agents.reasoning.models import Belief, Goal, GoalStatus
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.runtime.services import runtimes_try_lock
from agents.reasoning.services.goals import ADOPTED, goal_create
from agents.reasoning.trace.models import CycleTrace
from agents.supervision.models import SupervisorPolicy
from agents.supervision.scope import Escalation
from auditlog.actors import Actor
from auditlog.models import Action

SYSTEM = Actor.system("supervision")
#: The name of the approval request that asks people what to do with an escalated agent.
ESCALATION_APPROVAL = "supervision"
ESCALATION_ONTOLOGY = "mabos-supervision"
#: How long people have to answer an escalation.
ESCALATION_ANSWER_WITHIN = datetime.timedelta(days=1)
#: Agents in these statuses are stopped for a restart; paused and stopped ones are a person's choice and stay.
RESTARTABLE = (AgentStatus.ACTIVE,)


class Busy(Exception):
    """A reasoning batch holds the agent's runtime row right now: try again at the next check."""


def _drop_intentions(agent: Agent, *, now: datetime.datetime, why: str) -> list[dict[str, Any]]:
    live = list(Intention.objects.select_for_update().filter(agent=agent, status__in=sorted(LIVE)).order_by("pk"))
    steps: list[dict[str, Any]] = []
    goal_ids: list[Any] = []
    for intention in live:
        goal_ids.extend(intention_goal_ids(intention))
        steps.append({"intention": str(intention.pk), "kind": "restart", "result": "dropped",
                      "detail": f"restarted by supervision: {why}"})
    if live:
        Intention.objects.filter(pk__in=[i.pk for i in live]).update(
            status=IntentionStatus.DROPPED, finished_at=now, updated_at=now, wait_until=None,
            error={"error": "restarted", "message": f"restarted by supervision: {why}"})
        Goal.objects.filter(agent=agent, pk__in=goal_ids).exclude(status__in=GOAL_FINISHED).update(
            status=GoalStatus.FAILED, updated_at=now)
    ActionRequest.objects.filter(agent=agent, status=ActionStatus.PENDING).update(
        status=ActionStatus.FAILED, error="restarted", error_message=f"restarted by supervision: {why}",
        finished_at=now)
    return steps


def _reset_beliefs(agent: Agent) -> int:
    """Back to the role's starting beliefs: those set again, the ones it came to hold itself removed; what
    onboarding told it about its organization stays."""
    starting = {b["key"]: b for b in agent.role.default_beliefs or []}
    removed = Belief.objects.filter(agent=agent).exclude(source="onboarding").exclude(key__in=starting).delete()[0]
    for key, belief in starting.items():
        Belief.objects.update_or_create(agent=agent, key=key, defaults={
            "value": belief["value"], "confidence": belief.get("confidence", 1.0), "source": f"role:{agent.role.slug}"})
    return removed


def agent_stop_for_restart(*, agent: Agent, policy: SupervisorPolicy | None, why: str, now: datetime.datetime,
                           restart_at: datetime.datetime | None) -> dict[str, Any]:
    """Step 1 of a restart (or the stop of an escalation, ``restart_at`` None). Call inside the check's
    transaction with the agent row locked; raises ``Busy`` if a batch holds the runtime row."""
    if agent.kind == AgentKind.INTERNAL and agent.pk not in runtimes_try_lock([agent.pk]):
        raise Busy(agent.pk)
    if agent.status in RESTARTABLE:
        agent_transition(agent=agent, action="fail", by=SYSTEM, reason=f"supervision: {why}")
    steps = _drop_intentions(agent, now=now, why=why)
    runtime = AgentRuntime.objects.filter(agent=agent).first()
    if runtime is not None:
        AgentRuntime.objects.filter(agent=agent).update(lease_until=None, wake_at=None, updated_at=now)
        if steps:
            CycleTrace.objects.create(agent=agent, cycle=runtime.cycle_count, at=now, steps=steps)
    removed = _reset_beliefs(agent) if policy is not None and policy.reset_beliefs else None
    changes: dict[str, Any] = {"intentions_dropped": [None, len(steps)]}
    if removed is not None:
        changes["beliefs_reset"] = [None, removed]
    note = (f"supervision: restart at {restart_at.isoformat()} ({why})" if restart_at
            else f"supervision: escalated ({why})")
    record(action=Action.UPDATE, by=SYSTEM, target=agent, changes=changes, note=note)
    return {"intentions_dropped": len(steps), "beliefs_removed": removed}


def agent_restart_now(*, agent: Agent, now: datetime.datetime, by: Any = SYSTEM,
                      reason: str = "supervision: back-off over") -> list[str] | None:
    """Step 2: make a failed agent active again and adopt its role's starting goals it no longer pursues (their
    names). An agent a person has meanwhile restarted, paused or stopped is left as it is (None)."""
    if agent.status != AgentStatus.FAILED:
        return None
    agent_transition(agent=agent, action="restart", by=by, reason=reason)
    AgentRuntime.objects.filter(agent=agent).update(restart_count=F("restart_count") + 1, restarted_at=now)
    pursued = set(Goal.objects.filter(agent=agent, status__in=sorted(ADOPTED)).values_list("name", flat=True))
    adopted = []
    for goal in agent.role.default_goals or []:
        if goal["name"] in pursued:
            continue
        goal_create(agent=agent, name=goal["name"], description=goal.get("description", ""),
                    kind=goal.get("kind", "achieve"), priority=goal.get("priority", 50), by=SYSTEM)
        adopted.append(goal["name"])
    return adopted


def agent_escalate(*, agent: Agent, target: Escalation, why: str, detail: dict[str, Any],
                   now: datetime.datetime) -> dict[str, Any]:
    """Tell the escalation target: an ACL ``failure`` to an agent (an event its plans can handle), or an
    approval request to people (approving restarts the agent). The agent has been stopped already."""
    content = {"agent": str(agent.pk), "name": agent.name, "reason": why, **detail}
    if target.agent_id is not None:
        message = message_insert(
            organization=agent.organization, sender_agent=None, sender_user=None,
            performative=Performative.FAILURE, content=content, recipient_ids=[target.agent_id],
            conversation_id=uuid.uuid4(), ontology=ESCALATION_ONTOLOGY)
        return {"to": "agent", "agent": str(target.agent_id), "message": str(message.pk)}
    request = approval_request_standalone(
        agent=agent, name=ESCALATION_APPROVAL, of=target.people, deadline=now + ESCALATION_ANSWER_WITHIN,
        idempotency_key=f"supervision:{agent.pk}:{now.isoformat()}", by=SYSTEM,
        question=(f"{agent.name} failed again after its restarts ({why}) and has been stopped. "
                  "Approve to restart it; reject to leave it failed."))
    return {"to": "people", "of": target.people, "approval": str(request.pk)}


def restarted_within(times: Iterable[str], *, now: datetime.datetime, period_seconds: int) -> list[str]:
    """The restart times (ISO text) still inside the period."""
    since = now - datetime.timedelta(seconds=period_seconds)
    kept = []
    for text in times:
        try:
            when = datetime.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            continue
        if when > since:
            kept.append(when.isoformat())
    return kept

