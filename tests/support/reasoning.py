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
