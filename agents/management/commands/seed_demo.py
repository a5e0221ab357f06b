"""Onboard the demo organization (a small online retailer) through the onboarding service, and mark it as a
simulated business (docs/simulation.md) so that it lives on `make run`; idempotent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from agents.agent.models import AgentKind
from agents.onboarding.services import organization_agent_staff, organization_onboard
from agents.organization.models import Organization
from agents.organization.services.organizations import organization_grant
from agents.simulation.services.marks import simulation_mark
from auditlog.actors import Actor

DEMO_SLUG = "demo-online-retailer"
DEMO = {
    "name": "Demo Online Retailer",
    "slug": DEMO_SLUG,
    "industry": "e-commerce",
    "description": "A small online shop selling sustainable home and kitchen goods to customers in the EU, "
                   "with a team of eight and a warehouse partner for fulfilment.",
    "size": "small",
    "markets": ["Germany", "France", "Netherlands"],
    "products": ["kitchenware", "home textiles", "cleaning supplies"],
    "roles": ["ceo", "cfo", "coo", "cmo", "cto", "hr", "legal", "strategy", "knowledge"],
}
#: The demo's suppliers, all of the supplier role template, supervised by the COO who buys from them: two
#: internal agents (one of them flaky: its quotes fail, its team's policy restarts it and escalates) and one
#: external agent, whose answers come through the API with its agent key.
SUPPLIERS = [
    {"slug": "hanse", "name": "Hanse Supplies", "kind": AgentKind.INTERNAL,
     "beliefs": {"supplier.name": "Hanse Supplies", "supplier.unit_price": 6}},
    {"slug": "rhein", "name": "Rhein Wholesale", "kind": AgentKind.INTERNAL,
     "beliefs": {"supplier.name": "Rhein Wholesale", "supplier.unit_price": 5.5, "supplier.flaky": True}},
    {"slug": "atlas", "name": "Atlas Trading", "kind": AgentKind.EXTERNAL,
     "beliefs": {"supplier.name": "Atlas Trading", "supplier.unit_price": 5.5}},
]
#: The demo's simulation seed: the same hidden business (campaign odds, customers' luck) on every machine.
DEMO_SEED = 17


class Command(BaseCommand):
    help = "Create the demo organization and its agents once; running it again changes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--owner", default="admin",
                            help="Username granted manage permission on the demo organization, if it exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            # Serialise concurrent seeders: the second waits, then sees the first one's organization.
            existing = Organization.objects.select_for_update().filter(slug=DEMO_SLUG).first()
            if existing is not None:
                self.stdout.write(f"Demo organization already present: {existing.name} ({existing.agents.count()} "
                                  "agents); nothing to do.")
                return
            actor = Actor.system("seed_demo")
            org = organization_onboard(by=actor, **DEMO)
            coo = org.agents.get(slug="coo")
            for supplier in SUPPLIERS:
                organization_agent_staff(organization=org, role_slug="supplier", supervisor=coo, by=actor, **supplier)
            # The only organization seed_demo marks as a simulation; marked when made, never again (an operator
            # who switched it off or unmarked it keeps it so).
            simulation_mark(organization=org, seed=DEMO_SEED, by=actor)
            owner = get_user_model().objects.filter(username=options["owner"]).first()
            if owner is not None:
                organization_grant(organization=org, user=owner, verbs=("view", "change", "operate", "delete"),
                                   by=actor)
        self.stdout.write(self.style.SUCCESS(f"Onboarded {org.name} with {org.agents.count()} agents."))
