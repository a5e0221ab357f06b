"""A crowd of internal agents, each with one goal and a plan of several cycles, and what must hold at the end.

Built in bulk (a factory per agent is ten queries each): the agents and their runtime rows in two INSERTs,
the goals in one, and their ``goal_added`` events through the events service (``agent_events_post``, one
INSERT and one wake), so every agent is due exactly as after ``goal_create``. The fault tests of the cycle
run it on real workers and then check ``crowd_settled`` and ``crowd_counts``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from agents.agent.models import Agent, AgentKind
from agents.models import AgentEvent, AgentRuntime, CycleTrace, Goal, Intention, Message
from agents.reasoning.actions.models import ActionRequest
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import NewEvent, agent_events_post
from tests.support.actors import SYSTEM
from tests.support.reasoning import World

#: Five steps, three of them sends and one an action: the intention takes five cycles (one step each; the
#: belief event is taken on the way, the action's result resumes it), each send an outbox row keyed
#: ``intention:<id>:<step>`` (steps 1, 4 and 5), the action one request keyed the same way (step 3).
PLAN = """\
@work +!work(N) <- .send(boss, inform, {"step": 1, "n": N}); +done(N); .action(log, {"message": "work", "data": N}, R);
    .send(boss, inform, {"step": 2, "n": N, "logged": R}); .send(boss, inform, {"step": 3, "n": N}).
"""
SEND_STEPS = (1, 4, 5)
ACTION_STEP = 3
#: Cycles each agent runs for its goal.
CYCLES = 5


@dataclass
class Crowd:
    world: World
    agent_ids: list[Any]
    goal_ids: list[Any]

    @property
    def size(self) -> int:
        return len(self.agent_ids)


def crowd_create(size: int, *, goals: bool = True, plan: str = PLAN) -> Crowd:
    """``size`` internal agents (``w0`` ...), each due with the goal ``!work(i)`` and nothing else pending
    (``goals=False``: idle, for a test that adopts their goals itself and adds them to ``goal_ids``); ``plan``
    the text of their ``+!work(N)`` plans (``crowd_counts`` expects ``PLAN``'s)."""
    world = World("boss")
    world.plans(plan)
    agents = Agent.objects.bulk_create([
        Agent(organization=world.org, role=world.boss.role, name=f"Worker {index}", slug=f"w{index}",
              kind=AgentKind.INTERNAL) for index in range(size)])
    AgentRuntime.objects.bulk_create([AgentRuntime(agent=agent) for agent in agents])
    if not goals:
        return Crowd(world=world, agent_ids=[agent.pk for agent in agents], goal_ids=[])
    adopted = Goal.objects.bulk_create([Goal(agent=agent, name="work", args=[index])
                                        for index, agent in enumerate(agents)])
    agent_events_post(events=[NewEvent(agent=goal.agent, kind=EventKind.GOAL_ADDED, args={
        "goal": str(goal.pk), "name": goal.name, "kind": goal.kind, "priority": goal.priority, "args": goal.args})
        for goal in adopted], by=SYSTEM)
    return Crowd(world=world, agent_ids=[agent.pk for agent in agents], goal_ids=[goal.pk for goal in adopted])


def crowd_settled(crowd: Crowd) -> bool:
    """Every goal of the crowd ended and no event of theirs is left pending."""
    return (not Goal.objects.filter(pk__in=crowd.goal_ids, status__in=["pending", "active"]).exists()
            and not AgentEvent.objects.filter(agent_id__in=crowd.agent_ids, consumed_at__isnull=True).exists())


def crowd_progress(crowd: Crowd) -> int:
    """Cycles the crowd has committed so far."""
    return CycleTrace.objects.filter(agent_id__in=crowd.agent_ids).count()


def crowd_counts(crowd: Crowd) -> dict[str, Any]:
    """What the end state says about lost and doubled work (the test compares it with ``crowd_expected``)."""
    agents = crowd.agent_ids
    goal_events = list(AgentEvent.objects.filter(agent_id__in=agents, kind=EventKind.GOAL_ADDED)
                       .values_list("pk", flat=True))
    taken = Counter(event["id"] for event in CycleTrace.objects.filter(agent_id__in=agents, event__isnull=False)
                    .values_list("event", flat=True))
    intentions = list(Intention.objects.filter(agent_id__in=agents).values_list("id", "goal_id", "status"))
    keys = list(Message.objects.filter(sender_agent_id__in=agents).values_list("sender_agent_id", "idempotency_key"))
    requests = list(ActionRequest.objects.filter(agent_id__in=agents).values_list("idempotency_key", "status"))
    expected_keys = {f"intention:{pk}:{step}" for pk, _, _ in intentions for step in SEND_STEPS}
    cycles = dict(AgentRuntime.objects.filter(agent_id__in=agents).values_list("agent_id", "cycle_count"))
    traced = dict(CycleTrace.objects.filter(agent_id__in=agents).values("agent_id").annotate(n=Count("id"))
                  .values_list("agent_id", "n"))
    return {
        "goals": Counter(Goal.objects.filter(pk__in=crowd.goal_ids).values_list("status", flat=True)),
        "goal_events": len(goal_events),
        "goal_events_taken_once": sum(1 for pk in goal_events if taken[pk] == 1),
        "events_taken_twice": sum(1 for n in taken.values() if n > 1),
        "events_pending": AgentEvent.objects.filter(agent_id__in=agents, consumed_at__isnull=True).count(),
        "intentions": Counter(status for _, _, status in intentions),
        "goals_with_one_intention": len({goal for _, goal, _ in intentions if goal} - _doubled(intentions)),
        "messages": len(keys),
        "message_keys_unique": len(set(keys)),
        "message_keys_as_expected": {key for _, key in keys} == expected_keys,
        "action_requests": len(requests),
        "action_keys_unique": len({key for key, _ in requests}),
        "action_keys_as_expected": {key for key, _ in requests}
        == {f"intention:{pk}:{ACTION_STEP}" for pk, _, _ in intentions},
        "actions_succeeded": sum(1 for _, status in requests if status == "succeeded"),
        "traces_doubled": CycleTrace.objects.filter(agent_id__in=agents).values("agent_id", "cycle")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
        "traces_match_cycles": traced == cycles,
    }


def _doubled(intentions: list[tuple[Any, Any, str]]) -> set[Any]:
    per_goal = Counter(goal for _, goal, _ in intentions if goal)
    return {goal for goal, n in per_goal.items() if n > 1}


def crowd_expected(crowd: Crowd) -> dict[str, Any]:
    """The counts of ``crowd_counts`` when nothing was lost and nothing done twice."""
    n = crowd.size
    return {"goals": Counter({"achieved": n}), "goal_events": n, "goal_events_taken_once": n,
            "events_taken_twice": 0, "events_pending": 0, "intentions": Counter({"achieved": n}),
            "goals_with_one_intention": n, "messages": n * len(SEND_STEPS),
            "message_keys_unique": n * len(SEND_STEPS), "message_keys_as_expected": True, "action_requests": n,
            "action_keys_unique": n, "action_keys_as_expected": True, "actions_succeeded": n, "traces_doubled": 0,
            "traces_match_cycles": True}
