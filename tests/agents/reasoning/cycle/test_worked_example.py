"""docs/reasoning.md's worked example, exactly as printed there: the plans it shows are the CFO library's, and
the demo CFO acts on its runway goal as the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from agents.models import Belief, Goal, Message, Organization
from agents.onboarding.libraries import plan_library
from agents.reasoning.plans.text import text_to_plans
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.trace.words import trace_words
from tests.support.actors import SYSTEM
from tests.support.reasoning import run_with_mail, traces_of

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[4] / "docs" / "reasoning.md"
RUNWAY = "Keep at least three months of cash runway"


def _example() -> str:
    section = DOC.read_text().split("### A worked example", 1)[1]
    return re.search(r"```\n(@restore_runway.*?)```", section, re.S).group(1)


def test_the_worked_examples_plans_are_the_cfo_librarys():
    shown = text_to_plans(_example())
    library = {document["label"]: document for document in plan_library("cfo")}
    assert [document["label"] for document in shown] == ["restore_runway", "runway_alarm"]
    assert shown == [library["restore_runway"], library["runway_alarm"]]


def test_the_worked_example_makes_the_demo_cfo_act():
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug="demo-online-retailer")
    cfo, cmo, coo = (org.agents.get(slug=slug) for slug in ("cfo", "cmo", "coo"))
    run_with_mail()
    goal = Goal.objects.get(agent=cfo, name=RUNWAY)
    assert goal.status == "achieved" and not Message.objects.filter(sender_agent=cfo).exists()
    belief_set(agent=cfo, key="finance.cash", value=50000, by=SYSTEM)
    run_with_mail()
    requests = Message.objects.filter(sender_agent=cfo, performative="request").order_by("created_at")
    assert [(m.deliveries.get().recipient, m.content) for m in requests] == [
        (cmo, {"cut_spend_pct": 20, "why": "runway"}), (coo, {"cut_spend_pct": 20, "why": "runway"})]
    informs = Message.objects.filter(performative="inform", conversation_id__in=[m.conversation_id for m in requests])
    assert sorted(m.content["monthly_spend"] for m in informs) == [6400, 9600]
    beliefs = dict(Belief.objects.filter(agent__in=[cmo, coo, cfo]).values_list("key", "value"))
    assert beliefs["marketing.monthly_spend"] == 6400 and beliefs["operations.monthly_spend"] == 9600
    assert beliefs["finance.spend_cut_answers"] == [{"monthly_spend": 6400}, {"monthly_spend": 9600}]
    goal.refresh_from_db()
    assert goal.status == "achieved"
    words = [sentence for trace in traces_of(cfo) for sentence in trace_words(trace)]
    assert any(w.startswith(f"took event goal_added {RUNWAY}") for w in words), words
    assert any(w.startswith("chose plan `restore_runway`") for w in words), words
