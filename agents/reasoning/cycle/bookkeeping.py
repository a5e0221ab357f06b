"""What a cycle changes in its agent's mind, recorded for the batch's writes (``cycle/writes.py``).

The interpreter (``Cycle``, interpreter.py) decides; this base keeps the cycle's state (the mind, the plan
library, the clock, the trace) and records each change in the mind the way the bulk writes expect it: new
and changed goals, beliefs with the events a change posts, intentions touched, trace entries.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from agents.common.limits import INTENTION_MAX_STEPS
from agents.reasoning.cycle import frames
from agents.reasoning.cycle.library import Directory, Library
from agents.reasoning.cycle.selection import Policy
from agents.reasoning.cycle.state import Mind
from agents.reasoning.events.models import AgentEvent, EventKind, EventSource
from agents.reasoning.expressions import ExpressionFailed, compile_expression
from agents.reasoning.intentions.models import Intention
from agents.reasoning.models import Goal, GoalStatus
from mabos.errors import InvalidInput

#: Finished goals are not pursued again by a late event.
PURSUABLE = frozenset({GoalStatus.PENDING, GoalStatus.ACTIVE})


class MindBook:
    """A cycle's state and its writes into the agent's mind (goals, beliefs, events, intentions touched, the
    trace): what ``writes.py`` commits with the batch. ``Cycle`` (interpreter.py) adds the semantics."""

    def __init__(self, mind: Mind, library: Library, directory: Directory, *, now: datetime.datetime,
                 policy: Policy) -> None:
        self.mind, self.library, self.directory, self.now, self.policy = mind, library, directory, now, policy
        self.number = mind.cycle_count + 1
        self.trace: dict[str, Any] = {"event": None, "options": [], "choice": None, "steps": []}
        self._roots: dict[Any, dict[str, Any]] = {}
        self.plain_key: dict[str, Any] | None = None  # the context of a plan without features (learned.py)
        self.explained: dict[str, Any] | None = None  # the learning chooser's account of the root choice
        mind.trace = self.trace

    def holds(self, condition: str) -> bool | None:
        try:
            return bool(compile_expression(condition, field="condition").evaluate(
                beliefs=self.mind.beliefs, bindings={}, now=self.now))
        except (ExpressionFailed, InvalidInput):
            return None

    def choose(self, trigger: Any, options: list[tuple[Any, dict[str, Any]]], *,
               root: bool = False) -> tuple[Any, dict[str, Any]] | None:
        """The applicable plan the policy picks (Jason's ``selectOption``). A learning chooser explains its
        pick: at the root in the trace's ``choice`` (``explained`` holds it until ``take`` writes it), for
        a subgoal as a ``choice`` entry among the steps."""
        self.explained = None
        if self.policy.chooser is None or not options:
            return self.policy.select_option(options)
        choice, explained = self.policy.chooser.choose(self, trigger, options)
        if explained and root:
            self.explained = explained
        elif explained:
            self.trace["steps"].append({"kind": "choice", "label": choice[0].label if choice else None,
                                        "result": explained.get("policy"), "detail": explained.get("why", ""),
                                        "scores": explained.get("scores", [])})
        return choice

    # ----------------------------------------------------------------- goals, beliefs, bookkeeping
    def new_goal(self, name: str, args: list[Any], parent: Any) -> Goal:
        goal = Goal(id=uuid.uuid4(), agent_id=self.mind.agent.pk, name=name[:200], args=args, kind="achieve",
                    status=GoalStatus.ACTIVE, parent_id=parent, created_at=self.now, updated_at=self.now)
        self.mind.new_goals.append(goal)
        self.mind.goals[str(goal.pk)] = goal
        return goal

    def set_goal(self, goal: Goal, status: str) -> None:
        goal.status = status
        self.mind.goal_status[str(goal.pk)] = status

    def frame_goals(self, frame: dict[str, Any], status: str) -> None:
        for goal_id in [*frame.get("goals", []), frame.get("goal")]:
            goal = self.mind.goals.get(str(goal_id)) if goal_id else None
            if goal is not None and goal.status in PURSUABLE:
                self.set_goal(goal, status)

    def set_belief(self, key: str, value: Any, *, present: bool = True) -> None:
        """Change a belief for the rest of the cycle and the batch's write; an event when its value changed."""
        beliefs = self.mind.beliefs
        had, previous = key in beliefs, beliefs.get(key)
        if present and had and previous == value and type(previous) is type(value):
            return
        if not present and not had:
            return
        if present:
            beliefs[key] = value
            kind = EventKind.BELIEF_CHANGED if had else EventKind.BELIEF_ADDED
            args = {"key": key, "value": value, **({"previous": previous} if had else {})}
        else:
            del beliefs[key]
            kind, args = EventKind.BELIEF_REMOVED, {"key": key, "previous": previous}
        self.mind.belief_writes[key] = (present, value)
        self.post(kind, args)

    def post(self, kind: str, args: dict[str, Any], intention: Intention | None = None, *,
             system: str = "") -> None:
        """An event of the agent's own, for a later cycle; ``system`` names the part of MABOS that posts it
        instead of the agent (an event only that part may post, such as the protocols' ``all_responses``)."""
        agent = self.mind.agent
        source = (EventSource.SYSTEM, "", system) if system else (EventSource.AGENT, str(agent.pk), str(agent)[:200])
        self.mind.new_events.append(AgentEvent(
            agent_id=agent.pk, kind=kind, args=args, source=source[0], source_id=source[1], source_name=source[2],
            intention_id=intention.id if intention else None, created_at=self.now))

    def check_maintain(self, key: str) -> None:
        """Re-adopt every maintain goal whose condition reads ``key`` and no longer holds."""
        for goal in list(self.mind.goals.values()):
            if goal.kind != "maintain" or not goal.condition or goal.status != GoalStatus.ACHIEVED:
                continue
            try:
                reads = compile_expression(goal.condition, field="condition").belief_reads()
            except InvalidInput:
                continue
            if key in reads and self.holds(goal.condition) is False:
                self.set_goal(goal, GoalStatus.ACTIVE)
                self.post(EventKind.GOAL_ADDED, {"goal": str(goal.pk), "name": goal.name, "kind": goal.kind,
                                                 "priority": goal.priority, "args": goal.args or [],
                                                 "reason": f"{goal.condition} no longer holds"})

    def changed(self, intention: Intention) -> None:
        intention.updated_at = self.now
        self.mind.changed_intentions.add(intention.id)

    def note(self, intention: Intention, frame: dict[str, Any], kind: str, result: str, detail: str = "") -> None:
        self.trace["steps"].append({"intention": str(intention.id), "label": frame.get("label"),
                                    "version": frame.get("number"), "path": frames.path_text(frame["pc"]),
                                    "kind": kind, "result": result, "detail": detail})

    def steps_left(self, intention: Intention) -> bool:
        return intention.steps_total < INTENTION_MAX_STEPS
