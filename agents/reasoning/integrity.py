"""Consistency checks of goal trees, events and runtime rows (run by ``manage.py check_integrity``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from agents.agent.models import Agent, AgentKind
from agents.common.graphs import on_cycles
from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.models import Goal
from agents.reasoning.runtime.models import AgentRuntime
from mabos.integrity import integrity_check


@integrity_check("agents.goal_parent_same_agent", "A sub-goal belongs to the same agent as its parent goal.")
def goals_with_foreign_parent() -> QuerySet[Goal]:
    return Goal.objects.filter(parent__isnull=False).exclude(parent__agent=F("agent"))


@integrity_check("agents.goal_tree_acyclic", "Following parent goals upwards never comes back to the same goal.")
def goalson_cycles() -> list[Any]:
    return on_cycles(dict(Goal.objects.filter(parent__isnull=False).values_list("id", "parent_id")))


@integrity_check("agents.internal_agent_has_runtime",
                 "Every internal agent has its runtime row (the cycle claims agents through it).")
def internal_agents_without_runtime() -> QuerySet[Agent]:
    return Agent.objects.filter(kind=AgentKind.INTERNAL).exclude(
        Exists(AgentRuntime.objects.filter(agent_id=OuterRef("pk"))))


@integrity_check("agents.external_agent_has_no_runtime",
                 "No external agent has a runtime row: it never runs the cycle.")
def external_agents_with_runtime() -> QuerySet[AgentRuntime]:
    return AgentRuntime.objects.exclude(agent__kind=AgentKind.INTERNAL)


@integrity_check("agents.message_event_same_agent",
                 "A message event belongs to its delivery's recipient and names that delivery's message.")
def message_events_of_another_agent() -> QuerySet[AgentEvent]:
    return AgentEvent.objects.filter(kind=EventKind.MESSAGE).filter(
        ~Q(delivery__recipient_id=F("agent_id")) | ~Q(delivery__message_id=F("message_id")))
