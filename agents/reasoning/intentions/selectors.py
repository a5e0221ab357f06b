"""Reads of an agent's intentions and their stacks (the caller has already been allowed to see the agent).

A stack is JSON naming plan versions by id; ``stacks_describe`` reads what a person needs beside it (each
version's number and the step at each frame's pc) for any number of intentions in one query.
``intention_state_counts`` is the one read across agents: the dashboard's figure, over the agents the caller
may view.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from agents.agent.access import agents_for
from agents.agent.models import Agent
from agents.common.selectors import get_visible
from agents.reasoning.intentions.frames import pc_path, step_at
from agents.reasoning.intentions.models import LIVE, Intention
from agents.reasoning.plans.models import PlanVersion
from agents.reasoning.plans.text import step_to_text


def intention_list(*, agent: Agent) -> QuerySet[Intention]:
    """Every intention of the agent, live and finished, newest first."""
    return Intention.objects.filter(agent=agent).order_by("-created_at", "-pk")


def intention_get(*, agent: Agent, pk: Any) -> Intention:
    return get_visible(intention_list(agent=agent), "intention", pk=pk)


def intention_live_list(*, agent: Agent, limit: int = 50) -> tuple[list[Intention], int]:
    """The agent page's view: its oldest ``limit`` live intentions (``intention_live_idx``) and how many are live."""
    live = Intention.objects.filter(agent=agent, status__in=sorted(LIVE)).order_by("created_at", "pk")
    shown = list(live[:limit])
    return shown, (len(shown) if len(shown) < limit else live.count())


def intention_state_counts(*, user: Any, since: Any) -> dict[str, int]:
    """The dashboard's intentions by state, over the agents ``user`` may view: every live one (running,
    waiting) and those that finished since ``since`` (the history grows without end; the last day is what an
    operator reads). One GROUP BY on the status."""
    rows = (Intention.objects.filter(Q(status__in=sorted(LIVE)) | Q(finished_at__gte=since),
                                     agent_id__in=agents_for(user).values("pk"))
            .values_list("status").annotate(n=Count("pk")).order_by())
    return dict(rows)


def _frames(intention: Intention) -> list[dict[str, Any]]:
    stack = intention.stack
    return [frame for frame in stack if isinstance(frame, dict)] if isinstance(stack, list) else []


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def frame_step(version: PlanVersion | None, pc: Any) -> dict[str, str] | None:
    """The step a frame runs next, as ``{"kind", "text"}``; None past the end of its list or when its plan
    version is gone (a frame is read, never trusted)."""
    step = step_at(version.body, pc) if version is not None else None
    if step is None:
        return None
    try:
        text = step_to_text(step)
    except (KeyError, TypeError, AttributeError):  # a body the cycle wrote by hand, not through the plan services
        text = str(step.get("kind", ""))
    return {"kind": str(step.get("kind", "")), "text": text}


def stacks_describe(intentions: Iterable[Intention]) -> dict[Any, list[dict[str, Any]]]:
    """Each intention's frames, bottom first, as a person reads them: for every frame its plan (id, label), the
    version's number, the pc as a path (``body[2].then[0]``) and the step there (kind and text), the
    bindings and the rest of the frame. One query for the plan versions of all of them."""
    intentions = list(intentions)
    version_ids = {_uuid(frame.get("version")) for intention in intentions for frame in _frames(intention)}
    versions = {version.pk: version for version in PlanVersion.objects.filter(pk__in=version_ids - {None})
                .select_related("plan").only("id", "version", "body", "plan__id", "plan__label")} \
        if version_ids - {None} else {}
    described = {}
    for intention in intentions:
        frames = []
        for frame in _frames(intention):
            version = versions.get(_uuid(frame.get("version")))
            trigger = frame.get("trigger") if isinstance(frame.get("trigger"), dict) else {}
            frames.append({
                "plan": frame.get("plan"),
                "label": frame.get("label") or (version.plan.label if version is not None else ""),
                "version": version.version if version is not None else None,
                "version_id": frame.get("version"),
                "trigger": {"kind": trigger.get("kind", ""), "name": trigger.get("name", "")},
                "goal": frame.get("goal"),
                "bindings": frame.get("bindings") if isinstance(frame.get("bindings"), dict) else {},
                "pc": frame.get("pc") if isinstance(frame.get("pc"), list) else [],
                "path": pc_path(frame.get("pc")),
                "step": frame_step(version, frame.get("pc")),
                "atomic": bool(frame.get("atomic", False)),
                "recovers": frame.get("recovers"),
            })
        described[intention.pk] = frames
    return described
