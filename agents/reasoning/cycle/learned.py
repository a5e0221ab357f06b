"""What a cycle hands to learning: the context key of a chosen plan and the outcome of every plan frame.

The key is formed when a plan is chosen (its features are read in the situation the choice is made in)
and kept on the frame, so the outcome is filed under the situation the plan was chosen for, not the one
it ended in. An outcome is drafted when the frame ends: popped after its last step is a success; cut by a
failure (its own, a subgoal's it could not recover, or a recovery that replaced it) is a failure. A
dropped intention records nothing: a drop is a decision about the goal, not evidence about the plan.
Drafts stay in the mind; ``writes.py`` hands them to the registered writer (learning) with the batch.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.reasoning.expressions import ExpressionFailed, compile_expression
from mabos.errors import InvalidInput

if TYPE_CHECKING:  # the cycle calls these; naming its type here would be an import circle
    from agents.reasoning.cycle.bookkeeping import MindBook
    from agents.reasoning.cycle.library import Candidate

#: A feature's text value is cut to this many characters before it goes into the key.
FEATURE_TEXT_MAX = 100


OutcomeWriter = Callable[[list["Outcome"]], None]
_WRITERS: list[OutcomeWriter] = []


def outcome_writer_register(writer: OutcomeWriter) -> None:
    """Learning's hook (apps.ready): ``writer(outcomes)`` stores a batch's outcomes in its transaction."""
    if writer not in _WRITERS:
        _WRITERS.append(writer)


def outcomes_write(minds: list[Any]) -> None:
    """Hand the batch's outcomes to the writer, inside the batch's transaction (none registered: dropped)."""
    outcomes = [outcome for mind in minds for outcome in mind.outcomes]
    if outcomes:
        for writer in _WRITERS:
            writer(outcomes)


@dataclass(frozen=True)
class Outcome:
    """One finished plan frame, as learning stores it (``agents.learning.models.PlanOutcome``)."""

    agent_id: Any
    organization_id: Any
    role_id: Any
    plan_id: Any
    version_id: Any
    goal_id: Any
    intention_id: Any
    trigger_kind: str
    trigger_name: str
    context_key: str
    context: dict[str, Any]
    success: bool
    reward: float | None
    cost: float | None
    duration_ms: int
    error: str
    cycle: int
    at: datetime.datetime


def _refused(cycle: MindBook, label: Any, detail: str) -> None:
    """A declaration that could not be computed, in the trace where the steps are (the outcome still counts)."""
    cycle.trace["steps"].append({"kind": "learning", "label": label, "result": "refused", "detail": detail[:500]})


def _declared(candidate: Candidate) -> dict[str, Any]:
    return candidate.learning


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:FEATURE_TEXT_MAX]


def context_of(cycle: MindBook, candidate: Candidate, bindings: dict[str, Any]) -> dict[str, Any]:
    """The situation a plan is chosen in: the agent's organization and role, and the plan's declared
    features, each computed over the beliefs and the trigger's bindings (one that cannot be computed is
    ``None``, and the trace says why). ``key`` is what statistics are pooled by; ``features`` what the
    frame keeps (the organization and role are the agent's)."""
    declared = _declared(candidate).get("features")
    if not declared:  # most plans: the agent's key, computed once a cycle
        if cycle.plain_key is None:
            cycle.plain_key = {"key": context_key(situation(cycle.mind.agent, {})), "features": {}}
        return cycle.plain_key
    features: dict[str, Any] = {}
    for name, source in sorted(declared.items()):
        try:
            features[name] = _scalar(compile_expression(source, field=f"learning.features.{name}",
                                                       bound_names=candidate.args)
                                    .evaluate(beliefs=cycle.mind.beliefs, bindings=bindings, now=cycle.now))
        except (ExpressionFailed, InvalidInput) as failed:
            features[name] = None
            _refused(cycle, candidate.label, f"feature {name}: {getattr(failed, 'message', str(failed))}")
    return {"key": context_key(situation(cycle.mind.agent, features)), "features": features}


def situation(agent: Any, features: dict[str, Any]) -> dict[str, Any]:
    """The whole context of a choice: the agent's organization and role, then the plan's features."""
    return {"organization": str(agent.organization_id), "role": str(agent.role_id or ""), **features}


def context_key(context: dict[str, Any]) -> str:
    """A fixed-length key for a context: equal contexts, equal keys, whatever their order."""
    text = json.dumps(context, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def callers_with(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """The callers a tail call keeps under its callee: ``frame``'s own and ``frame``, enough to file each
    caller's outcome when the callee ends. A caller already kept for the same plan version and situation
    is kept once (a plan that recurs into itself stays one entry, so a loop does not grow the stack)."""
    callers = list(frame.get("callers", []))
    learned = frame.get("learned") or {}
    if frame.get("version") and learned and not any(
            c.get("version") == frame["version"] and (c.get("learned") or {}).get("key") == learned.get("key")
            for c in callers):
        callers.append({name: frame.get(name) for name in ("plan", "version", "label", "trigger", "goal", "bindings",
                                                           "learned")})
    return callers


def _number(cycle: MindBook, frame: dict[str, Any], candidate: Candidate, what: str) -> float | None:
    source = _declared(candidate).get(what) or ""
    if not source:
        return None
    try:
        value = compile_expression(source, field=f"learning.{what}", bound_names=frame["bindings"].keys()) \
            .evaluate(beliefs=cycle.mind.beliefs, bindings=frame["bindings"], now=cycle.now)
    except (ExpressionFailed, InvalidInput) as failed:
        refused = getattr(failed, "message", str(failed))
    else:
        if isinstance(value, int | float) and not isinstance(value, bool) and value == value \
                and abs(value) != float("inf"):
            return float(value)
        refused = f"{source} gave {type(value).__name__} {str(value)[:80]}, not a number"
    _refused(cycle, candidate.label, f"{what}: {refused}")
    return None


def outcomes_draft(cycle: MindBook, intention: Any, frame: dict[str, Any], *, success: bool,
                   error: str = "") -> None:
    """Record the end of ``frame`` and of the callers a tail call dropped from under it (they end as it
    does: they had nothing left to do but it)."""
    for ended in [frame, *frame.get("callers", [])]:
        _draft(cycle, intention, ended, success=success, error=error)


def _draft(cycle: MindBook, intention: Any, frame: dict[str, Any], *, success: bool, error: str) -> None:
    """Record the end of one frame in the mind (nothing for a frame with no plan, or one without a key)."""
    learned = frame.get("learned")
    if not frame.get("version") or not learned:
        return
    candidate = cycle.library.version(frame["version"])
    if candidate is None:  # the version is gone: there is nothing to file the outcome under
        _refused(cycle, frame.get("label"), "no outcome: the plan version is gone")
        return
    agent = cycle.mind.agent
    started = learned.get("started")
    try:
        began = datetime.datetime.fromisoformat(started) if started else cycle.now
    except ValueError:
        began = cycle.now
    reward = _number(cycle, frame, candidate, "reward") if success else None
    cycle.mind.outcomes.append(Outcome(
        agent_id=agent.pk, organization_id=agent.organization_id, role_id=agent.role_id, plan_id=candidate.plan_id,
        version_id=candidate.version_id, goal_id=frame.get("goal"), intention_id=intention.id,
        trigger_kind=frame["trigger"]["kind"], trigger_name=str(frame["trigger"]["name"])[:200],
        context_key=learned["key"], context=situation(agent, learned.get("features") or {}), success=success,
        reward=reward,
        cost=_number(cycle, frame, candidate, "cost"),
        duration_ms=max(0, int((cycle.now - began).total_seconds() * 1000)), error=error[:100],
        cycle=cycle.number, at=cycle.now))
