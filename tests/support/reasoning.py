"""Reasoning test helpers: a small organization with plans written as text, and the cycle run to rest.

``run_cycles`` calls the claim's own batch function (``reason_batch``) in the test's transaction until no
agent is due: the real claim, load, interpreter and bulk writes against the real database, without a
worker process (tests that are about the worker start one).
"""

from __future__ import annotations

from typing import Any

from agents.models import AgentEvent, CycleTrace, Intention, Message
from agents.reasoning.cycle.batch import reason_batch
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory


class World:
    """An organization with agents named by slug (``world.cfo``), beliefs, and plans given as text."""

    def __init__(self, *slugs: str, beliefs: dict[str, dict[str, Any]] | None = None) -> None:
        self.org = OrganizationFactory()
        self.agents = {}
        for slug in slugs or ("cfo",):
            role = AgentRoleFactory(organization=self.org, slug=f"{slug}-role", name=slug.upper())
            self.agents[slug] = AgentFactory(organization=self.org, role=role, slug=slug, name=slug.upper())
        for slug, values in (beliefs or {}).items():
            for key, value in values.items():
                belief_set(agent=self.agents[slug], key=key, value=value, by=SYSTEM)
        AgentEvent.objects.filter(agent__organization=self.org).update(consumed_at="2000-01-01T00:00:00Z")

    def __getattr__(self, slug: str) -> Any:
        try:
            return self.__dict__["agents"][slug]
        except KeyError:
            raise AttributeError(slug) from None

    def plans(self, text: str) -> list[Any]:
        return [plan_create(document=document, organization=self.org, by=SYSTEM) for document in text_to_plans(text)]

    def goal(self, slug: str, name: str, *args: Any, **kw: Any) -> Any:
        return goal_create(agent=self.agents[slug], name=name, args=list(args), by=SYSTEM, **kw)


def run_cycles(*, limit: int = 100, max_batches: int = 500) -> int:
    """Run batches until nothing is due; the number of agent cycles. Fails if it never comes to rest."""
    total = 0
    for _ in range(max_batches):
        ran = reason_batch(limit=limit)
        if not ran:
            return total
        total += ran
    raise AssertionError(f"the cycle did not come to rest within {max_batches} batches")


def intentions_of(agent: Any) -> list[Intention]:
    return list(Intention.objects.filter(agent=agent).order_by("created_at"))


def sent_by(agent: Any) -> list[Message]:
    return list(Message.objects.filter(sender_agent=agent).order_by("created_at"))


def traces_of(agent: Any) -> list[CycleTrace]:
    return list(CycleTrace.objects.filter(agent=agent).order_by("id"))


def step_cycles(n: int = 1, *, limit: int = 100) -> int:
    """Run at most ``n`` batches (one cycle per due agent each), to look at an intention mid-run."""
    total = 0
    for _ in range(n):
        ran = reason_batch(limit=limit)
        if not ran:
            break
        total += ran
    return total


def run_with_mail(*, max_rounds: int = 200) -> int:
    """Cycles and deliveries until both rest: what one agent sends reaches the other's queue and is reasoned
    over (the delivery hand-over in the test's transaction, as the worker's ``deliver_due`` would)."""
    from agents.messaging.services.delivery import delivery_dispatch_due

    total = 0
    for _ in range(max_rounds):
        delivered = delivery_dispatch_due()
        ran = run_cycles()
        total += ran
        if not delivered and not ran:
            return total
    raise AssertionError(f"agents and mail did not come to rest within {max_rounds} rounds")


def beliefs_of(agent: Any) -> dict[str, Any]:
    from agents.models import Belief

    return dict(Belief.objects.filter(agent=agent).values_list("key", "value"))


def steps_of(agent: Any) -> list[dict[str, Any]]:
    """Every step the agent's cycles ran, in order, each with its cycle number (``cycle``)."""
    return [{**step, "cycle": trace.cycle} for trace in traces_of(agent) for step in trace.steps]
