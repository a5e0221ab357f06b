"""Rows of an agent's mind made directly, as the cycle will write them: intentions with their stacks and trace rows.

The cycle (agents/reasoning/cycle/) is what fills these tables; the API, the admin and the pruning are tested
against rows built here, in exactly the JSON shapes the Intention and CycleTrace docstrings (and
agents/reasoning/trace/words.py) define.
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from agents.models import Intention, IntentionStatus, Organization, PlanVersion
from agents.reasoning.intentions.models import LIVE
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from agents.reasoning.trace.models import CycleTrace
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory

#: A plan that reads no belief and sends to nobody (so any organization may hold it): body[0] a subgoal,
#: body[1] a belief added, body[2] an if with a branch each way.
CUT_COSTS = """\
@cut_costs
+!keep_runway(Months) : Months < 3
    <- !trim_spend;
       +runway(Months);
       if (Months < 2) { +runway_short } else { +cost_cut }.
"""


def plan_version(organization: Organization, text: str = CUT_COSTS) -> PlanVersion:
    """The current version of a plan of ``organization`` made from ``text`` through the plan services."""
    [document] = text_to_plans(text)
    plan = plan_create(document=document, organization=organization, by=SYSTEM)
    return plan.versions.get(is_current=True)


def frame(version: PlanVersion, *, pc: list[Any] | None = None, bindings: dict[str, Any] | None = None,
          goal: Any = None, goals: list[Any] | None = None, recovers: int | None = None) -> dict[str, Any]:
    """One stack frame, as the Intention docstring defines it."""
    return {"plan": str(version.plan_id), "version": str(version.pk), "label": version.plan.label,
            "trigger": {"kind": version.trigger_kind, "name": version.trigger_name},
            "goal": str(goal) if goal else None, "bindings": bindings or {}, "pc": pc if pc is not None else [0],
            "atomic": version.atomic, "recovers": recovers, "goals": [str(g) for g in goals or []]}


class IntentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intention

    agent = factory.SubFactory(AgentFactory)
    status = IntentionStatus.RUNNING
    stack = factory.LazyFunction(list)
    trigger_kind = "goal_added"
    trigger_name = "keep_runway"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
    finished_at = factory.LazyAttribute(lambda o: None if o.status in LIVE else o.created_at)


def option(version: PlanVersion, *, held: bool | None, reason: str = "") -> dict[str, Any]:
    """One entry of a trace row's ``options``."""
    return {"plan": str(version.plan_id), "label": version.plan.label, "version": version.version,
            "context": version.context, "held": held, "reason": reason}


class CycleTraceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleTrace

    agent = factory.SubFactory(AgentFactory)
    cycle = factory.Sequence(lambda n: n + 1)
    at = factory.LazyFunction(timezone.now)
    duration_us = 850
    event = factory.LazyFunction(lambda: {"id": 1, "kind": "goal_added", "name": "keep_runway",
                                          "source": {"kind": "user", "id": "7", "name": "alice"}})
    options = factory.LazyFunction(lambda: [
        {"plan": "p1", "label": "cut_costs", "version": 2, "context": "cash < 3 * monthly_costs", "held": True,
         "reason": ""},
        {"plan": "p2", "label": "raise_prices", "version": 1, "context": "market.share > 0.1", "held": False,
         "reason": ""}])
    choice = factory.LazyFunction(lambda: {"plan": "p1", "label": "cut_costs", "version": 2,
                                           "why": "first applicable in source order"})
    steps = factory.LazyFunction(lambda: [
        {"intention": "i1", "label": "cut_costs", "version": 2, "path": "body[1]", "kind": "send", "result": "ok",
         "detail": "sent inform to cfo"}])


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
