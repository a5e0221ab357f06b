"""A person's acts on an agent's intentions: dropping one. The cycle's own writes are the cycle's (trace rows).

Lock order (docs/reasoning.md, "For the cycle"): the agent's runtime row first, then the intention, then its
goals, then the audit chain. The cycle holds an agent's runtime row ``FOR UPDATE`` for the whole of its
transaction (the claim), and writes that agent's intentions under it; so a person's drop that takes the
runtime row first waits for a cycle in progress to commit, then reads the intention as that cycle left it,
and no cycle starts on the agent until the drop commits (the claim skips a locked row). A drop therefore
never interleaves with a step of the intention it ends, and never deadlocks with a cycle: the claim never
waits for a runtime row (``SKIP LOCKED``), and the drop takes nothing the cycle holds before it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.common.audit import record
from agents.common.errors import IntentionNotLive
from agents.common.limits import REASON_MAX
from agents.common.validation import check_text
from agents.reasoning.intentions.models import LIVE, Intention, IntentionStatus
from agents.reasoning.models import Goal, GoalStatus
from agents.reasoning.runtime.models import AgentRuntime
from auditlog.models import Action
from mabos.errors import NotFound

#: A goal in one of these is done with: dropping an intention that pursued it leaves it as it is.
GOAL_FINISHED = frozenset({GoalStatus.ACHIEVED, GoalStatus.FAILED, GoalStatus.DROPPED})


def intention_goal_ids(intention: Intention) -> list[uuid.UUID]:
    """The goals an intention pursues: the one that started it and each frame's ``goal`` and ``goals`` (tail
    calls), in that order, once each. An id that is no UUID (a frame is read, never trusted) is left out."""
    found: list[Any] = [intention.goal_id]
    for frame in intention.stack if isinstance(intention.stack, list) else []:
        if isinstance(frame, dict):
            found.append(frame.get("goal"))
            tail = frame.get("goals")
            found.extend(tail if isinstance(tail, list) else [])
    ids: list[uuid.UUID] = []
    for value in found:
        try:
            goal_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except (TypeError, ValueError, AttributeError):
            continue
        if goal_id not in ids:
            ids.append(goal_id)
    return ids


@transaction.atomic
def intention_drop(*, intention: Intention, by: Any, reason: str = "") -> Intention:
    """Drop a live (running or waiting) intention: it takes no further step, and the goals it pursued that are
    not finished become dropped. One audit event, written last. An intention that has already ended is a 409
    ``intention_not_live`` (two people dropping the same intention: the second is told so), nothing written."""
    reason = check_text("reason", reason, max_length=REASON_MAX, required=False)
    # The runtime row first: a cycle holding it commits before we read the intention (see the module).
    list(AgentRuntime.objects.select_for_update().filter(agent_id=intention.agent_id).values_list("pk", flat=True))
    locked = Intention.objects.select_for_update().filter(pk=intention.pk, agent_id=intention.agent_id).first()
    if locked is None:
        raise NotFound("intention")
    if locked.status not in LIVE:
        raise IntentionNotLive(locked.pk, locked.status)
    before, now = locked.status, timezone.now()
    locked.status, locked.finished_at, locked.updated_at = IntentionStatus.DROPPED, now, now
    locked.wait_until = None  # a dropped intention waits for nothing: no timeout may fire for it
    locked.save(update_fields=["status", "finished_at", "updated_at", "wait_until"])
    goals = dict(Goal.objects.select_for_update().filter(agent_id=locked.agent_id, pk__in=intention_goal_ids(locked))
                 .exclude(status__in=GOAL_FINISHED).order_by("pk").values_list("pk", "status"))
    if goals:
        Goal.objects.filter(pk__in=goals).update(status=GoalStatus.DROPPED, updated_at=now)
    changes: dict[str, Any] = {"status": [before, locked.status]}
    if goals:
        changes["goals"] = [{str(pk): status for pk, status in goals.items()},
                            {str(pk): GoalStatus.DROPPED for pk in goals}]
    record(action=Action.UPDATE, by=by, target=locked, changes=changes, note=reason or "dropped")
    return locked
