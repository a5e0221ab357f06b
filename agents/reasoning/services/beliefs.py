"""Beliefs: what an agent holds true, set and removed through audited services."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from agents.agent.models import Agent
from agents.common.audit import created, diff, record, snapshot
from agents.common.limits import NAME_MAX
from agents.common.validation import check_belief_key, check_confidence, check_json, check_text
from agents.reasoning.models import Belief
from auditlog.models import Action

BELIEF_FIELDS = ("value", "confidence", "source")


def _belief_repr(agent: Agent, key: str) -> str:
    return f"belief {key} of {agent}"


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
            record(action=Action.CREATE, by=by, target=belief, changes=created(belief, BELIEF_FIELDS),
                   target_repr=_belief_repr(agent, key))
            return belief, True
    before = snapshot(belief, BELIEF_FIELDS)
    belief.value, belief.confidence, belief.source = value, confidence, source
    belief.save(update_fields=["value", "confidence", "source", "updated_at"])
    changes = diff(before, snapshot(belief, BELIEF_FIELDS))
    if changes:
        record(action=Action.UPDATE, by=by, target=belief, changes=changes, target_repr=_belief_repr(agent, key))
    return belief, False


@transaction.atomic
def belief_delete(*, belief: Belief, by: Any) -> None:
    record(action=Action.DELETE, by=by, target=belief, changes=created(belief, BELIEF_FIELDS),
           target_repr=_belief_repr(belief.agent, belief.key))
    belief.delete()
