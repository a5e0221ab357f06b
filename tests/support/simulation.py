"""A small simulated business for the simulation tests: a CFO, a COO and a CMO (roles by the templates' slugs,
which is how the simulation finds who holds which figure), their starting figures as beliefs, a supplier, and
the organization marked as a simulation. No plans: these tests look at the environment, not at the agents'
answers (the demo's test runs those)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.models import AgentEvent, Organization, Simulation
from agents.reasoning.services.beliefs import belief_set
from agents.simulation.environment import START
from agents.simulation.services.marks import simulation_mark
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory

FIGURES = {
    "cfo": {"finance.cash": START["finance.cash"], "finance.monthly_burn": START["finance.monthly_burn"]},
    "coo": {"stock.on_hand": START["stock.on_hand"], "stock.on_order": START["stock.on_order"],
            "operations.monthly_spend": START["operations.monthly_spend"]},
    "cmo": {"marketing.monthly_spend": START["marketing.monthly_spend"]},
    "hanse": {"supplier.name": "Hanse Supplies", "supplier.unit_price": 6},
}


@dataclass
class Company:
    org: Organization
    agents: dict[str, Any]
    simulation: Simulation | None

    def __getattr__(self, slug: str) -> Any:
        try:
            return self.__dict__["agents"][slug]
        except KeyError:
            raise AttributeError(slug) from None


def company_create(*, seed: int | None = 7, name: str = "") -> Company:
    """The business, its starting figures set (their events consumed), marked as a simulation of ``seed``
    (None: not marked)."""
    org = OrganizationFactory(**({"name": name} if name else {}))
    agents = {}
    for slug in ("cfo", "coo", "cmo", "hanse"):
        role = AgentRoleFactory(organization=org, slug="supplier" if slug == "hanse" else slug, name=slug.upper())
        agents[slug] = AgentFactory(organization=org, role=role, slug=slug, name=slug.upper())
        for key, value in FIGURES[slug].items():
            belief_set(agent=agents[slug], key=key, value=value, by=SYSTEM)
    AgentEvent.objects.filter(agent__organization=org).update(consumed_at="2000-01-01T00:00:00Z")
    simulation = simulation_mark(organization=org, seed=seed, by=SYSTEM) if seed is not None else None
    return Company(org=org, agents=agents, simulation=simulation)
