"""Goals: what an agent wants, a tree per agent; every write audited.

Adopting a goal (creating it pending or active) posts a ``goal_added`` event for an internal agent in the
same transaction, which makes the agent due for a cycle. A stopped or failed agent adopts no goal: 409
``agent_inactive``, nothing written. A paused agent does: the event waits, like its mail, until it
resumes (what a restart does with what waited is supervision's, issue 15).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.fields.json import KT

from agents.agent.models import NOT_RUNNING, Agent, AgentKind, AgentStatus
from agents.common.audit import created, record, save_and_record, user_of
from agents.common.errors import AgentInactive, invalid
from agents.common.goal_kinds import GoalKind
from agents.common.graphs import ancestor_reaches
from agents.common.limits import EXPRESSION_MAX_CHARS, NAME_MAX, PLAN_ARGS_MAX, TEXT_MAX
from agents.common.models import uuid_text
from agents.common.validation import check_changeable, check_json, check_text
from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.events.services import NewEvent, agent_event_post, agent_events_post, agent_state_locked
from agents.reasoning.expressions import compile_expression
from agents.reasoning.models import Goal, GoalStatus
from agents.reasoning.plans.text import canonical_expression
from auditlog.models import Action
from mabos.errors import NotFound

#: Goals posted again at once when a plan for them is added; more wait for the next plan change.
GOALS_RETRY_MAX = 1000
GOAL_FIELDS = ("name", "description", "kind", "priority", "status", "parent", "deadline", "args", "condition")
#: A goal created in one of these statuses is adopted: the agent is told (a ``goal_added`` event).
ADOPTED = frozenset({GoalStatus.PENDING, GoalStatus.ACTIVE})


def goal_parent_check(agent_id: Any, goal: Goal | None, parent: Goal | None) -> None:
    if parent is None:
        return
    if parent.agent_id != agent_id:
        raise invalid("parent", "The parent goal belongs to another agent.")
    if goal is None:
        return
    if parent.pk == goal.pk:
        raise invalid("parent", "A goal cannot be its own parent.")
    parents = dict(Goal.objects.filter(agent_id=agent_id, parent__isnull=False).values_list("id", "parent_id"))
    if ancestor_reaches(parents, parent.pk, goal.pk):
        raise invalid("parent", "This parent would make a cycle: it is a sub-goal of this goal.")


def _clean_goal(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "name" in out:
        out["name"] = check_text("name", out["name"], max_length=NAME_MAX)
    if "description" in out:
        out["description"] = check_text("description", out["description"], max_length=TEXT_MAX, required=False)
    if "kind" in out and out["kind"] not in GoalKind.values:
        raise invalid("kind", f"Must be one of {', '.join(GoalKind.values)}.")
    if "status" in out and out["status"] not in GoalStatus.values:
        raise invalid("status", f"Must be one of {', '.join(GoalStatus.values)}.")
    if "priority" in out:
        priority = out["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 100:
            raise invalid("priority", "Must be an integer from 0 to 100.")
    if "deadline" in out and out["deadline"] is not None and not isinstance(out["deadline"], datetime.datetime):
        raise invalid("deadline", "Must be a date and time.")
    if "args" in out:
        if not isinstance(out["args"], list):
            raise invalid("args", "Must be a list of JSON values (the goal's arguments).")
        if len(out["args"]) > PLAN_ARGS_MAX:
            raise invalid("args", f"At most {PLAN_ARGS_MAX} arguments.")
        check_json("args", out["args"])
    if out.get("condition"):
        out["condition"] = canonical_expression(check_text("condition", out["condition"],
                                                           max_length=EXPRESSION_MAX_CHARS))
        compile_expression(out["condition"], field="condition")
    return out


def _check_condition(kind: str, condition: str) -> None:
    """Only a maintain goal has a condition, and it must have one to be re-adopted when it breaks."""
    if condition and kind != GoalKind.MAINTAIN:
        raise invalid("condition", "Only a maintain goal has a condition.")


def _lock_agent(agent_id: Any) -> None:
    """Serialise goal-tree changes of one agent, so two of them cannot close a cycle together."""
    Agent.objects.select_for_update().filter(pk=agent_id).values_list("pk", flat=True).first()


@transaction.atomic
def goal_create(*, agent: Agent, name: str, by: Any, description: str = "", kind: str = GoalKind.ACHIEVE,
                priority: int = 50, status: str = GoalStatus.PENDING, parent: Goal | None = None,
                deadline: datetime.datetime | None = None, args: list[Any] | None = None,
                condition: str = "") -> Goal:
    """Create a goal of ``agent``; adopted (pending or active) by an internal agent, it posts ``goal_added``
    (args: goal id, name, kind, priority, the goal's args) and makes the agent due, in this transaction."""
    data = _clean_goal({"name": name, "description": description, "kind": kind, "priority": priority,
                        "status": status, "deadline": deadline, "args": args or [], "condition": condition})
    _check_condition(data["kind"], data["condition"])
    goal_parent_check(agent.pk, None, parent)
    state = agent_state_locked(agent.pk)  # held: a concurrent stop waits for this goal, or is seen by it
    if state is None:
        raise NotFound("agent")
    agent_kind, agent_status = state
    if agent_status in NOT_RUNNING:
        raise AgentInactive(agent.pk, agent_status, doing="adopt goals", name=agent.name)
    goal = Goal.objects.create(agent=agent, parent=parent, created_by=user_of(by), **data)
    if agent_kind == AgentKind.INTERNAL and goal.status in ADOPTED:
        # Before the audit event: the wake may wait for a cycle holding the agent, and must not hold the audit
        # chain's lock meanwhile (lock order: agent, runtime, audit; docs/reasoning.md).
        agent_event_post(agent=agent, kind=EventKind.GOAL_ADDED, by=by,
                         args={"goal": str(goal.pk), "name": goal.name, "kind": goal.kind, "priority": goal.priority,
                               "args": goal.args})
    record(action=Action.CREATE, by=by, target=goal, changes=created(goal, GOAL_FIELDS))
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by: Any, **changes: Any) -> Goal:
    check_changeable(changes, GOAL_FIELDS)
    data = _clean_goal(changes)
    if "parent" in data:
        _lock_agent(goal.agent_id)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    _check_condition(data.get("kind", goal.kind), data.get("condition", goal.condition))
    if "parent" in data:
        goal_parent_check(goal.agent_id, goal, data["parent"])
    save_and_record(goal, data, GOAL_FIELDS, by=by)
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, by: Any) -> None:
    """Delete a goal with its sub-goals."""
    record(action=Action.DELETE, by=by, target=goal, changes=created(goal, GOAL_FIELDS),
           note=f"with {goal.children.count()} direct sub-goal(s)")
    goal.delete()


@transaction.atomic
def goals_waiting_retry(*, name: str, by: Any, organization_id: Any = None, role_id: Any = None,
                        agent_id: Any = None) -> int:
    """Post ``goal_added`` again for the pending goals named ``name`` of the agents a new or re-enabled plan
    serves (its organization's, every holder of its role template, or the one agent that adopted a told
    plan): the cycle kept them pending because no plan was relevant to them. A goal whose ``goal_added`` is
    still pending is left alone (no duplicate).
    Called after the plan's own transaction commits (the wake must not wait while the plan's audit event holds
    the chain). Returns the number of goals posted."""
    goals = Goal.objects.filter(status=GoalStatus.PENDING, name=name, agent__kind=AgentKind.INTERNAL,
                                agent__status__in=[AgentStatus.ACTIVE, AgentStatus.PAUSED])
    if agent_id is not None:
        goals = goals.filter(agent_id=agent_id)
    elif organization_id:
        goals = goals.filter(agent__organization_id=organization_id)
    else:
        goals = goals.filter(agent__role_id=role_id)
    queued = AgentEvent.objects.filter(agent_id=OuterRef("agent_id"), kind=EventKind.GOAL_ADDED,
                                       consumed_at__isnull=True)
    queued = queued.annotate(goal_id=KT("args__goal")).filter(goal_id=uuid_text(OuterRef("pk")))
    waiting = list(goals.exclude(Exists(queued)).select_related("agent")[:GOALS_RETRY_MAX])
    if waiting:
        agent_events_post(events=[NewEvent(agent=goal.agent, kind=EventKind.GOAL_ADDED, args={
            "goal": str(goal.pk), "name": goal.name, "kind": goal.kind, "priority": goal.priority,
            "args": goal.args, "reason": "a plan for it was added"}) for goal in waiting], by=by)
    return len(waiting)
