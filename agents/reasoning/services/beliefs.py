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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from agents.agent.models import NOT_RUNNING, Agent, AgentKind
from agents.common.audit import created, diff, record, snapshot
from agents.common.limits import NAME_MAX
from agents.common.validation import check_belief_key, check_confidence, check_json, check_text
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.models import Belief
from auditlog.models import Action

BELIEF_FIELDS = ("value", "confidence", "source")


def _belief_repr(agent: Agent, key: str) -> str:
    return f"belief {key} of {agent}"


def _same_json(a: Any, b: Any) -> bool:
    """Equal as JSON: ``1``, ``1.0`` and ``true`` are three values here (Python's == calls them one)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _event(agent: Agent, kind: str, args: dict[str, Any]) -> NewEvent | None:
    """The event telling a running internal agent its beliefs changed; None for any other agent."""
    if agent.kind == AgentKind.INTERNAL and agent.status not in NOT_RUNNING:
        return NewEvent(agent=agent, kind=kind, args=args)
    return None


def _belief_event(agent: Agent, kind: str, args: dict[str, Any], by: Any) -> None:
    """Tell a running internal agent its beliefs changed (an event, and a wake).

    Called before the write's audit event: the wake may wait for a cycle holding the agent, and must not
    hold the audit chain's lock meanwhile (lock order: agent, runtime, audit; docs/reasoning.md).
    """
    event = _event(agent, kind, args)
    if event is not None:
        agent_events_post(events=[event], by=by)


def belief_set(*, agent: Agent, key: str, value: Any, by: Any, confidence: float = 1.0, source: str = "") -> Belief:
    """Create or replace the belief ``key`` of ``agent`` (one per key), audited with before/after."""
    return belief_upsert(agent=agent, key=key, value=value, by=by, confidence=confidence, source=source)[0]


def _checked(key: str, value: Any, confidence: float, source: str, *, prefix: str = "") -> tuple[float, str]:
    """The one set of checks of a belief write (a 400 naming ``<prefix>key`` etc.); the clean confidence and
    source."""
    check_belief_key(f"{prefix}key", key)
    check_json(f"{prefix}value", value)
    return (check_confidence(f"{prefix}confidence", confidence),
            check_text(f"{prefix}source", source, max_length=NAME_MAX, required=False))


def _write(*, agent: Agent, key: str, value: Any, confidence: float, source: str
           ) -> tuple[Belief, dict[str, Any] | None, NewEvent | None]:
    """The write every belief setter shares, checks done: lock the row, create or update it. Returns the
    belief, its fields before (None: this call created it) and the belief event to post (None: the value did
    not change, or the agent perceives nothing now); the caller posts it, before any audit event."""
    belief = Belief.objects.select_for_update().filter(agent=agent, key=key).first()
    if belief is None:
        try:
            with transaction.atomic():
                belief = Belief.objects.create(agent=agent, key=key, value=value, confidence=confidence,
                                               source=source)
        except IntegrityError:  # created concurrently: replace it instead
            belief = Belief.objects.select_for_update().get(agent=agent, key=key)
        else:
            return belief, None, _event(agent, EventKind.BELIEF_ADDED, {"key": key, "value": value})
    before = snapshot(belief, BELIEF_FIELDS)
    belief.value, belief.confidence, belief.source = value, confidence, source
    belief.save(update_fields=["value", "confidence", "source", "updated_at"])
    if _same_json(before["value"], value):
        return belief, before, None
    return belief, before, _event(agent, EventKind.BELIEF_CHANGED,
                                  {"key": key, "value": value, "previous": before["value"]})


@transaction.atomic
def belief_upsert(*, agent: Agent, key: str, value: Any, by: Any, confidence: float = 1.0,
                  source: str = "") -> tuple[Belief, bool]:
    """``belief_set``, also saying whether this call created the belief.

    Only the write knows: a caller that looked first (to answer 201 or 200) could see "missing" while a
    concurrent request created it, and both would claim to have created it.
    """
    confidence, source = _checked(key, value, confidence, source)
    belief, before, event = _write(agent=agent, key=key, value=value, confidence=confidence, source=source)
    if event is not None:
        agent_events_post(events=[event], by=by)
    if before is None:
        record(action=Action.CREATE, by=by, target=belief, changes=created(belief, BELIEF_FIELDS),
               target_repr=_belief_repr(agent, key))
        return belief, True
    changes = diff(before, snapshot(belief, BELIEF_FIELDS))
    if changes:
        record(action=Action.UPDATE, by=by, target=belief, changes=changes, target_repr=_belief_repr(agent, key))
    return belief, False


@dataclass(frozen=True)
class BeliefWrite:
    """One belief an environment perceived: whose, which, its value now."""

    agent: Agent
    key: str
    value: Any


@dataclass(frozen=True)
class BeliefChange:
    """A belief whose value a ``beliefs_perceive`` changed: ``before`` is None when it was added."""

    agent: Agent
    key: str
    before: Any
    after: Any


@transaction.atomic
def beliefs_perceive(*, writes: Sequence[BeliefWrite], by: Any, source: str = "") -> list[BeliefChange]:
    """Set many beliefs of many agents as ``belief_upsert`` sets each one, for a caller that audits them as
    one write: the same checks (all of them first, a 400 naming ``writes[i].key`` and nothing written), the
    same row lock, the same belief events, in the caller's transaction; the events all posted at the end in one
    statement with one wake (``agent_events_post``), so the batch costs one reasoning wake-up, not one a belief.

    Why a batch without audit events of its own: an environment (agents/simulation/) changes a handful of
    beliefs of several agents every few seconds; one audit event per belief would bury every person's
    change in the log. Its step records one audit event naming every change this returns, in the same
    transaction (the services rule: the write and its audit commit together). A value equal to the stored
    one is not written and not returned (no event either, as with ``belief_upsert``).
    """
    many = len(writes) > 1
    for index, write in enumerate(writes):
        _checked(write.key, write.value, 1.0, source, prefix=f"writes[{index}]." if many else "")
    changes, events = [], []
    for write in writes:
        held = Belief.objects.select_for_update().filter(agent=write.agent, key=write.key).first()
        if held is not None and _same_json(held.value, write.value):
            continue
        _belief, before, event = _write(agent=write.agent, key=write.key, value=write.value, confidence=1.0,
                                        source=source)
        events += [event] if event is not None else []
        changes.append(BeliefChange(agent=write.agent, key=write.key,
                                    before=None if before is None else before["value"], after=write.value))
    if events:
        agent_events_post(events=events, by=by)
    return changes


@transaction.atomic
def belief_delete(*, belief: Belief, by: Any) -> None:
    agent = belief.agent
    _belief_event(agent, EventKind.BELIEF_REMOVED, {"key": belief.key, "previous": belief.value}, by)
    record(action=Action.DELETE, by=by, target=belief, changes=created(belief, BELIEF_FIELDS),
           target_repr=_belief_repr(agent, belief.key))
    belief.delete()
