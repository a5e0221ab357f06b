"""Agent status changes: the one function that moves an agent between statuses, and its verbs.

The legal moves are ``agents.models.LIFECYCLE_ACTIONS``; nothing else writes ``status``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agents.agent.hooks import agents_resumed
from agents.agent.models import LIFECYCLE_ACTIONS, Agent, AgentStatus
from agents.common.audit import record
from agents.common.errors import InvalidTransition, StaleVersion
from auditlog.models import Action
from mabos.errors import NotFound


@transaction.atomic
def agent_transition(*, agent: Agent, action: str, by: Any, reason: str = "",
                     expected_version: int | None = None) -> Agent:
    """Apply a lifecycle action (pause, resume, restart, stop, fail), audited.

    With ``expected_version`` the move happens only if nobody changed the agent
    since (else 409 stale_version); without it the current row is locked and used.
    """
    if action not in LIFECYCLE_ACTIONS:
        raise ValueError(f"unknown lifecycle action {action!r}")
    sources, target = LIFECYCLE_ACTIONS[action]
    current = Agent.objects.select_for_update().filter(pk=agent.pk).first()
    if current is None:
        raise NotFound("agent")
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion("agent", current.version)
    if current.status not in sources:
        raise InvalidTransition(action, current.status)
    before = current.status
    now = timezone.now()
    Agent.objects.filter(pk=current.pk, version=current.version).update(
        status=target, version=F("version") + 1, updated_at=now)
    agent.status, agent.version, agent.updated_at = target, current.version + 1, now
    record(action=Action.UPDATE, by=by, target=agent, note=reason or action,
           changes={"status": [before, target], "version": [current.version, agent.version]})
    if target == AgentStatus.ACTIVE:
        pk = agent.pk
        transaction.on_commit(lambda: agents_resumed([pk]), robust=True)
    return agent


def agent_pause(*, agent: Agent, by: Any, reason: str = "", expected_version: int | None = None) -> Agent:
    """Pause: the agent stops reasoning; its deliveries wait in its inbox."""
    return agent_transition(agent=agent, action="pause", by=by, reason=reason, expected_version=expected_version)


def agent_resume(*, agent: Agent, by: Any, reason: str = "", expected_version: int | None = None) -> Agent:
    """Resume a paused agent."""
    return agent_transition(agent=agent, action="resume", by=by, reason=reason, expected_version=expected_version)


def agent_restart(*, agent: Agent, by: Any, reason: str = "", expected_version: int | None = None) -> Agent:
    """Bring a stopped or failed agent back to active."""
    return agent_transition(agent=agent, action="restart", by=by, reason=reason, expected_version=expected_version)


def agent_stop(*, agent: Agent, by: Any, reason: str = "", expected_version: int | None = None) -> Agent:
    return agent_transition(agent=agent, action="stop", by=by, reason=reason, expected_version=expected_version)


def agent_fail(*, agent: Agent, by: Any, reason: str = "", expected_version: int | None = None) -> Agent:
    """Mark an agent failed (supervision, later issues); a restart brings it back."""
    return agent_transition(agent=agent, action="fail", by=by, reason=reason, expected_version=expected_version)
