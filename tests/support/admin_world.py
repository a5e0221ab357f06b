"""A populated world for looking at every admin page: one onboarded organization with its agents talking, a
dead letter, beliefs and goals, a plan, an approval waiting, a protocol run, a failing team under
supervision, learning trials, an agent key, a runtime override and audit events, so that every project
changelist has a row whose change page can be opened.

Long names and long JSON on purpose: what overflows a screen is what an operator's data looks like, not
what a fixture named "a" looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from agents.agent.services.lifecycle import agent_pause
from agents.keys.services import agent_key_create
from agents.messaging.models import Delivery
from agents.messaging.services.dead_letters import dead_letter
from agents.models import AgentKind
from agents.onboarding.services import organization_onboard
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create
from mabos.runtime_settings import runtime_setting_set
from tests.support.actors import SYSTEM
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory
from tests.support.learning import learning_team, trials
from tests.support.messaging import send
from tests.support.mind import CycleTraceFactory, plan_version
from tests.support.protocols import protocol_run
from tests.support.supervision import fail_and_schedule, failing_team

#: A content as people send it: nested, with long keys and a long text.
LONG_CONTENT = {"invoice": {"number": "INV-2026-000123456789", "lines": [
    {"description": "Quarterly subscription of the enterprise analytics platform, all regions", "amount": 129900},
    {"description": "Onboarding and training workshop for the finance department", "amount": 45000}]},
    "note": "Please approve before the end of the quarter so that the budget of the next one is not affected."}


@dataclass
class AdminWorld:
    org: Any
    ceo: Any
    cfo: Any
    question: Any


def admin_world() -> AdminWorld:
    """Everything the admin lists, at least one row each (the caller's test needs a transactional database)."""
    org = organization_onboard(name="Demo Online Retailer with a Rather Long Name", industry="retail", by=SYSTEM,
                               size="small", description="A shop the layout tests look at.",
                               roles=["ceo", "cfo", "cmo"])
    ceo, cfo = org.agents.get(role__slug="ceo"), org.agents.get(role__slug="cfo")
    belief_set(agent=cfo, key="outstanding_invoices_of_the_current_quarter", value=LONG_CONTENT, confidence=1.0,
               source="layout test", by=SYSTEM)
    goal_create(agent=cfo, name="keep_runway_above_six_months_whatever_the_season", by=SYSTEM)
    question = send(ceo, to=[cfo.pk], performative="request", content=LONG_CONTENT).message
    send(cfo, to=[ceo.pk], content={"runway_months": 7}, conversation_id=question.conversation_id,
         in_reply_to=question)
    with transaction.atomic():  # dead before it commits: the suite's worker would otherwise deliver it
        lost = send(ceo, to=[cfo.pk], content={"text": "this one is lost"}).message
        dead_letter(delivery_id=Delivery.objects.get(message=lost, recipient=cfo).pk,
                    reason="recipient unreachable after 8 attempts: connection refused by the runtime host")
    for agent in org.agents.all():  # the suite's worker must not reason over what is built here
        agent_pause(agent=agent, by=SYSTEM)
    plan_version(org)
    CycleTraceFactory(agent=cfo, cycle=3)
    approval_request(cfo, question="Pay the 1,299 EUR invoice INV-2026-000123456789 of Acme Analytics?")
    protocol_run(organization=org)
    external = AgentFactory(organization=org, name="Warehouse runtime", slug="warehouse", kind=AgentKind.EXTERNAL)
    agent_key_create(agent=external, by=SYSTEM, name="warehouse runtime key")
    team = failing_team("worker", "helper")
    fail_and_schedule(team, "worker")
    learning = learning_team()
    trials(learning, "ann", 3)
    runtime_setting_set(name=_first_runtime_setting(), value=_its_value(), by=SYSTEM)
    return AdminWorld(org=org, ceo=ceo, cfo=cfo, question=question)


def _first_runtime_setting() -> str:
    from mabos.runtime_settings import RUNTIME_SETTINGS

    return RUNTIME_SETTINGS[0].name


def _its_value() -> Any:
    from mabos.runtime_settings import environment_value

    return environment_value(_first_runtime_setting())
