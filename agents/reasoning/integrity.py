"""Consistency checks of goal trees (run by ``manage.py check_integrity``)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from agents.common.graphs import on_cycles
from agents.reasoning.models import Goal
from mabos.integrity import integrity_check


@integrity_check("agents.goal_parent_same_agent", "A sub-goal belongs to the same agent as its parent goal.")
def goals_with_foreign_parent() -> QuerySet[Goal]:
    return Goal.objects.filter(parent__isnull=False).exclude(parent__agent=F("agent"))


@integrity_check("agents.goal_tree_acyclic", "Following parent goals upwards never comes back to the same goal.")
def goalson_cycles() -> list[Any]:
    return on_cycles(dict(Goal.objects.filter(parent__isnull=False).values_list("id", "parent_id")))
