"""An agent's mind as a person reads it: its goal tree, its live intentions with their stacks, its recent cycles
in words. One read for the agent's admin page (the caller has already been allowed to see the agent).

A bounded number of queries whatever the agent holds (five: goals, live intentions and their count, the plan
versions of their frames, the trace), and bounded sizes: a page is for reading, the API has everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agents.agent.models import Agent
from agents.reasoning.intentions.models import Intention
from agents.reasoning.intentions.selectors import intention_live_list, stacks_describe
from agents.reasoning.models import Goal
from agents.reasoning.selectors import goal_list
from agents.reasoning.trace.selectors import trace_latest
from agents.reasoning.trace.words import trace_words

#: What the page shows at most; the API lists the rest.
GOALS_SHOWN, INTENTIONS_SHOWN, CYCLES_SHOWN = 200, 50, 20
#: Levels of the goal tree the page indents (deeper goals are shown at this depth); a class per level in
#: mabos/static/mabos/mind.css, since the CSP refuses inline styles.
DEPTH_SHOWN = 8
#: Characters of a JSON value (a goal's args, a frame's bindings) shown on the page.
JSON_SHOWN = 120


@dataclass(frozen=True)
class GoalRow:
    goal: Goal
    depth: int
    args: str


@dataclass(frozen=True)
class IntentionRow:
    intention: Intention
    frames: list[dict[str, Any]]  # bottom first, as stacks_describe gives them, each with "bindings_text"


@dataclass(frozen=True)
class CycleRow:
    cycle: int
    at: Any
    duration_us: int
    words: list[str]


@dataclass
class Mind:
    goals: list[GoalRow] = field(default_factory=list)
    goals_more: bool = False
    intentions: list[IntentionRow] = field(default_factory=list)
    intentions_live: int = 0
    cycles: list[CycleRow] = field(default_factory=list)


def short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= JSON_SHOWN else text[:JSON_SHOWN - 1] + "…"


def goal_tree(goals: list[Goal]) -> list[tuple[Goal, int]]:
    """``goals`` in tree order: each goal followed by its sub-goals, siblings in the order given; a goal whose
    parent is not among them is a root. Each goal once, whatever the parents say (no cycle can loop)."""
    present = {goal.pk for goal in goals}
    children: dict[Any, list[Goal]] = {}
    for goal in goals:
        children.setdefault(goal.parent_id if goal.parent_id in present else None, []).append(goal)
    ordered: list[tuple[Goal, int]] = []
    seen: set[Any] = set()
    stack = [(goal, 0) for goal in reversed(children.get(None, []))]
    while stack:
        goal, depth = stack.pop()
        if goal.pk in seen:
            continue
        seen.add(goal.pk)
        ordered.append((goal, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(goal.pk, [])))
    ordered.extend((goal, 0) for goal in goals if goal.pk not in seen)  # a cycle the database refused anyway
    return ordered


def agent_mind(*, agent: Agent) -> Mind:
    """What the agent's page shows of its mind (see the module)."""
    goals = list(goal_list(agent=agent)[:GOALS_SHOWN + 1])
    more, goals = len(goals) > GOALS_SHOWN, goals[:GOALS_SHOWN]
    live, live_count = intention_live_list(agent=agent, limit=INTENTIONS_SHOWN)
    stacks = stacks_describe(live)
    return Mind(
        goals=[GoalRow(goal=goal, depth=min(depth, DEPTH_SHOWN), args=short_json(goal.args) if goal.args else "")
               for goal, depth in goal_tree(goals)],
        goals_more=more,
        intentions=[IntentionRow(intention=intention, frames=[
            {**described, "bindings_text": short_json(described["bindings"]) if described["bindings"] else ""}
            for described in stacks[intention.pk]]) for intention in live],
        intentions_live=live_count,
        cycles=[CycleRow(cycle=row.cycle, at=row.at, duration_us=row.duration_us, words=trace_words(row))
                for row in trace_latest(agent=agent, limit=CYCLES_SHOWN)],
    )
