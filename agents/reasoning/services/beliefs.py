"""Beliefs: what an agent holds true, set and removed through audited services.

A belief of an internal agent that is added, whose value changes, or that is removed posts a
``belief_added`` / ``belief_changed`` / ``belief_removed`` event in the same transaction (args: ``key``,
``value``, ``previous``), which makes the agent due. Setting the value it already has posts nothing
(a change of confidence or source alone is no event: plans reason over values), and neither does a
change while the agent is stopped or failed: it perceives nothing then, as it receives no mail, and
starts again from the beliefs it holds.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction

from agents.agent.models import NOT_RUNNING, Agent, AgentKind
from agents.common.audit import created, diff, record, snapshot
from agents.common.limits import NAME_MAX
from agents.common.validation import check_belief_key, check_confidence, check_json, check_text
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import agent_event_post
from agents.reasoning.models import Belief
from auditlog.models import Action

BELIEF_FIELDS = ("value", "confidence", "source")


def _belief_repr(agent: Agent, key: str) -> str:
    return f"belief {key} of {agent}"


def _same_json(a: Any, b: Any) -> bool:
    """Equal as JSON: ``1``, ``1.0`` and ``true`` are three values here (Python's == calls them one)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _belief_event(agent: Agent, kind: str, args: dict[str, Any], by: Any) -> None:
    """Tell a running internal agent its beliefs changed (an event, and a wake).

    Called before the write's audit event: the wake may wait for a cycle holding the agent, and must not
    hold the audit chain's lock meanwhile (lock order: agent, runtime, audit; docs/reasoning.md).
    """
    if agent.kind == AgentKind.INTERNAL and agent.status not in NOT_RUNNING:
        agent_event_post(agent=agent, kind=kind, args=args, by=by)


def belief_set(*, agent: Agent, key: str, value: Any, by: Any, confidence: float = 1.0, source: str = "") -> Belief:
    """Create or replace the belief ``key`` of ``agent`` (one per key), audited with before/after."""
    return belief_upsert(agent=agent, key=key, value=value, by=by, confidence=confidence, source=source)[0]


@transaction.atomic
def belief_upsert(*, agent: Agent, key: str, value: Any, by: Any, confidence: float = 1.0,
                  source: str = "") -> tuple[Belief, bool]:
    """``belief_set``, also saying whether this call created the belief.

    Only the write knows: a caller that looked first (to answer 201 or 200) could see "missing" while a
    concurrent request created it, and both would claim to have created it.
    """
    check_belief_key("key", key)
    check_json("value", value)
    confidence = check_confidence("confidence", confidence)
    source = check_text("source", source, max_length=NAME_MAX, required=False)
    belief = Belief.objects.select_for_update().filter(agent=agent, key=key).first()
    if belief is None:
        try:
            with transaction.atomic():
                belief = Belief.objects.create(agent=agent, key=key, value=value, confidence=confidence,
                                               source=source)
        except IntegrityError:  # created concurrently: replace it instead
            belief = Belief.objects.select_for_update().get(agent=agent, key=key)
        else:
            _belief_event(agent, EventKind.BELIEF_ADDED, {"key": key, "value": value}, by)
            record(action=Action.CREATE, by=by, target=belief, changes=created(belief, BELIEF_FIELDS),
                   target_repr=_belief_repr(agent, key))
            return belief, True
    before = snapshot(belief, BELIEF_FIELDS)
    belief.value, belief.confidence, belief.source = value, confidence, source
    belief.save(update_fields=["value", "confidence", "source", "updated_at"])
    if not _same_json(before["value"], value):
        _belief_event(agent, EventKind.BELIEF_CHANGED, {"key": key, "value": value, "previous": before["value"]}, by)
    changes = diff(before, snapshot(belief, BELIEF_FIELDS))
    if changes:
        record(action=Action.UPDATE, by=by, target=belief, changes=changes, target_repr=_belief_repr(agent, key))
    return belief, False


@transaction.atomic
def belief_delete(*, belief: Belief, by: Any) -> None:
    agent = belief.agent
    _belief_event(agent, EventKind.BELIEF_REMOVED, {"key": belief.key, "previous": belief.value}, by)
    record(action=Action.DELETE, by=by, target=belief, changes=created(belief, BELIEF_FIELDS),
           target_repr=_belief_repr(agent, belief.key))
    belief.delete()
