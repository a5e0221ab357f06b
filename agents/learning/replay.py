"""Offline evaluation of plan selection policies by replaying the outcome log (``manage.py learning_evaluate``).

Li, Chu, Langford and Wang (2011), "Unbiased offline evaluation of contextual-bandit-based news article
recommendation algorithms": stream the logged decisions in time order; at each one, the candidate policy
picks an arm given what it has learnt so far; if that is the arm the log shows, the event counts (its
reward is the logged one) and the policy learns from it, else the event is skipped. The mean reward of the
counted events estimates the policy's expected reward, without bias *when the log was collected with
uniformly random choices* (each arm equally likely at each decision); with a log of any other policy it
is an estimate biased towards what that policy chose, and fewer events match.

Here a decision is (trigger, context key): the arms are the plans ever seen for that trigger and key, in
source order (the plan's current version's); an event is a ``PlanOutcome``; its reward is ``score``. The
policies are the cycle's (``agents.learning.bandit``): first applicable (the first arm), Thompson over the
agent's own outcomes, and Thompson shared with the agent's groups (those that share). ``replay`` is pure;
``log_load`` reads the log for it.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agents.agent.models import Membership, MembershipRole
from agents.learning.bandit import FIRST_APPLICABLE, POLICIES, THOMPSON_SHARED, Arm, Tally, Weights, choose
from agents.learning.models import GroupLearning, PlanOutcome
from agents.reasoning.plans.models import PlanVersion

#: (trigger kind, trigger name, context key): one decision the log repeats.
Decision = tuple[str, str, str]
#: Outcomes read per round trip while streaming the log.
CHUNK = 2000


@dataclass(frozen=True)
class Event:
    """One logged decision: who decided, in which situation, which plan it ran and how that went."""

    agent: Any
    decision: Decision
    plan: Any
    score: float
    at: float = 0.0  # seconds (the outcome's time): the half-life counts on the log's own clock


@dataclass
class PolicyResult:
    policy: str
    matched: int = 0
    score_sum: float = 0.0

    @property
    def expected(self) -> float | None:
        """The estimate: the mean score of the events the policy agreed with (None: it agreed with none)."""
        return self.score_sum / self.matched if self.matched else None


@dataclass
class Replay:
    events: int = 0
    logged_sum: float = 0.0
    policies: dict[str, PolicyResult] = field(default_factory=dict)

    @property
    def logged(self) -> float | None:
        """The logged policy's actual success: the mean score of every event."""
        return self.logged_sum / self.events if self.events else None


class _State:
    """What one policy has learnt: time-discounted weights per (decision, plan) for each agent and group."""

    def __init__(self, half_life: float) -> None:
        self.half_life = half_life
        self.own: dict[tuple[Any, Decision, Any], Weights] = defaultdict(Weights)
        self.group: dict[tuple[Any, Decision, Any], Weights] = defaultdict(Weights)

    def arms(self, event: Event, plans: list[Any], groups: tuple[Any, ...]) -> list[Arm]:
        def now(weights: Weights) -> Tally:
            return weights.at(event.at, self.half_life)

        return [Arm(own=now(self.own[(event.agent, event.decision, plan)]),
                    groups=tuple(now(self.group[(group, event.decision, plan)]) for group in groups))
                for plan in plans]

    def learn(self, event: Event, groups: tuple[Any, ...]) -> None:
        for table, owner in [(self.own, event.agent), *((self.group, group) for group in groups)]:
            table[(owner, event.decision, event.plan)].add(event.score, event.at, self.half_life)


def replay(events: Iterable[Event], *, arms: dict[Decision, list[Any]], groups: dict[Any, tuple[Any, ...]],
           policies: Iterable[str] = POLICIES, seed: int = 0, half_life: float = 0.0,
           weight: float = 1.0) -> Replay:
    """Li et al.'s replay of ``events`` (time order) for each policy. ``arms``: per decision, its plans in
    source order; ``groups``: per agent, the groups it pools with (thompson_shared)."""
    policies = list(policies)
    unknown = [name for name in policies if name not in POLICIES]
    if unknown:
        raise ValueError(f"unknown policy {unknown[0]!r}; the policies are {', '.join(POLICIES)}")
    out = Replay(policies={name: PolicyResult(name) for name in policies})
    states = {name: _State(half_life) for name in policies}
    rngs = {name: random.Random(f"{seed}:{name}") for name in policies}  # noqa: S311 - a simulation, seeded
    for event in events:
        out.events += 1
        out.logged_sum += event.score
        plans = arms.get(event.decision) or [event.plan]
        for name in policies:
            mine = groups.get(event.agent, ()) if name == THOMPSON_SHARED else ()
            if name == FIRST_APPLICABLE:
                picked = plans[0]
            else:
                index, _scores = choose(states[name].arms(event, plans, mine), policy=name, weight=weight,
                                        rng=rngs[name])
                picked = plans[index]
            if picked != event.plan:
                continue
            result = out.policies[name]
            result.matched += 1
            result.score_sum += event.score
            states[name].learn(event, mine)
    return out


# --------------------------------------------------------------------- the log
def _outcomes(organization_id: Any, trigger: tuple[str, str] | None, since: datetime.datetime | None) -> Any:
    qs = PlanOutcome.objects.filter(organization_id=organization_id)
    if trigger is not None:
        qs = qs.filter(trigger_kind=trigger[0], trigger_name=trigger[1])
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs


def log_load(*, organization_id: Any, trigger: tuple[str, str] | None = None,
             since: datetime.datetime | None = None) -> tuple[Iterator[Event], dict[Decision, list[Any]],
                                                               dict[Any, tuple[Any, ...]]]:
    """The log of an organization (optionally one trigger, from ``since``) as ``replay`` reads it: the events
    streamed in time order, the arms of each decision in source order, the sharing groups of each agent."""
    qs = _outcomes(organization_id, trigger, since)
    seen: dict[Decision, set[Any]] = defaultdict(set)
    # order_by(): the model's ordering would join the SELECT DISTINCT and make every row distinct.
    for kind, name, key, plan in qs.order_by().values_list("trigger_kind", "trigger_name", "context_key",
                                                           "plan_id").distinct():
        seen[(kind, name, key)].add(plan)
    plans = {plan for found in seen.values() for plan in found}
    order = {plan: (source_order, created) for plan, source_order, created in PlanVersion.objects.filter(
        plan_id__in=plans, is_current=True).values_list("plan_id", "source_order", "plan__created_at")}
    far = (10**9, datetime.datetime.max.replace(tzinfo=datetime.UTC))
    arms = {decision: sorted(found, key=lambda plan: (*order.get(plan, far), str(plan)))
            for decision, found in seen.items()}
    agents = set(qs.order_by().values_list("agent_id", flat=True).distinct())
    silent = set(GroupLearning.objects.filter(sharing=False).values_list("group_id", flat=True))
    groups: dict[Any, list[Any]] = defaultdict(list)
    for agent, group in (Membership.objects.filter(agent_id__in=agents).exclude(role=MembershipRole.OBSERVER)
                         .order_by("group_id").values_list("agent_id", "group_id")):
        if group not in silent:
            groups[agent].append(group)

    def stream() -> Iterator[Event]:
        rows = qs.order_by("created_at", "id").values_list("agent_id", "trigger_kind", "trigger_name",
                                                            "context_key", "plan_id", "success", "reward",
                                                            "created_at")
        for agent, kind, name, key, plan, success, reward, at in rows.iterator(chunk_size=CHUNK):
            outcome = PlanOutcome(success=success, reward=reward)
            yield Event(agent=agent, decision=(kind, name, key), plan=plan, score=outcome.score, at=at.timestamp())

    return stream(), arms, {agent: tuple(found) for agent, found in groups.items()}
