"""docs/reasoning.md's worked example, exactly as printed there: the demo CFO acts on its runway goal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from agents.models import Belief, Goal, Message, Organization
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, run_cycles

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[4] / "docs" / "reasoning.md"


def _example() -> str:
    section = DOC.read_text().split("### A worked example", 1)[1]
    return re.search(r"```\n(@runway_short.*?)```", section, re.S).group(1)


def test_the_worked_example_makes_the_demo_cfo_act(django_capture_on_commit_callbacks):
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug="demo-online-retailer")
    cfo, ceo = org.agents.get(role__slug="cfo"), org.agents.get(role__slug="ceo")
    run_cycles()  # onboarding's goals: no plan is relevant yet, they wait
    goal = Goal.objects.get(agent=cfo, name="Keep at least three months of cash runway")
    assert goal.status == "pending"
    for key, value in (("finance.cash", 40000), ("finance.monthly_costs", 20000)):
        belief_set(agent=cfo, key=key, value=value, by=SYSTEM)
    world = World.__new__(World)
    world.org, world.agents = org, {}
    with django_capture_on_commit_callbacks(execute=True):
        world.plans(_example())
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == "achieved"
    [message] = Message.objects.filter(sender_agent=cfo)
    assert message.content == {"runway_months": 2} and list(message.deliveries.values_list("recipient", flat=True)) \
        == [ceo.pk]
    assert Belief.objects.get(agent=cfo, key="finance.cost_review_requested").value is True
