"""BDI state: what an agent believes and what it wants, and the plans it acts on (plans/models.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from agents.agent.models import Agent
from agents.common.goal_kinds import GoalKind
from agents.common.limits import BELIEF_KEY_MAX, BELIEF_KEY_REGEX, EXPRESSION_MAX_CHARS, NAME_MAX, TEXT_MAX
from agents.common.models import Timestamped, json_size_check, not_blank_check
from agents.reasoning.plans.models import Plan, PlanAdoption, PlanVersion
from agents.reasoning.plans.triggers import TriggerKind

__all__ = ["Belief", "Goal", "GoalStatus", "Plan", "PlanAdoption", "PlanVersion", "TriggerKind"]


class Belief(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="beliefs")
    key = models.CharField(max_length=BELIEF_KEY_MAX, validators=[RegexValidator(BELIEF_KEY_REGEX)])
    value = models.JSONField(null=True, blank=True)
    confidence = models.FloatField(default=1.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    source = models.CharField(max_length=NAME_MAX, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agents"
        ordering = ["agent_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "key"], name="belief_key_unique_per_agent"),
            models.CheckConstraint(condition=models.Q(confidence__gte=0.0, confidence__lte=1.0),
                                   name="belief_confidence_range"),
            models.CheckConstraint(condition=models.Q(key__regex=BELIEF_KEY_REGEX), name="belief_key_format"),
            json_size_check("value", "belief_value_size"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.confidence:g})"




class GoalStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ACTIVE = "active", "active"
    ACHIEVED = "achieved", "achieved"
    FAILED = "failed", "failed"
    DROPPED = "dropped", "dropped"
    SUSPENDED = "suspended", "suspended"


class Goal(Timestamped):
    """A goal of one agent; sub-goals form a tree inside that agent (no cycles: trigger + service)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True, default="")
    kind = models.CharField(max_length=16, choices=GoalKind.choices, default=GoalKind.ACHIEVE)
    priority = models.PositiveSmallIntegerField(default=50, validators=[MaxValueValidator(100)],
                                                help_text="0 (lowest) to 100 (highest).")
    status = models.CharField(max_length=16, choices=GoalStatus.choices, default=GoalStatus.PENDING)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    deadline = models.DateTimeField(null=True, blank=True)
    args = models.JSONField(default=list, blank=True,
                            help_text="The goal's arguments (JSON values): what +!goal(Args) plans bind.")
    condition = models.TextField(max_length=EXPRESSION_MAX_CHARS, blank=True, default="",
                                 help_text="A maintain goal's condition (an expression over beliefs): when a "
                                           "belief change makes it false, the goal is pursued again.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        app_label = "agents"
        ordering = ["agent_id", "-priority", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "id"], name="goal_agent_id_unique"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="goal_not_own_parent"),
            models.CheckConstraint(condition=models.Q(kind__in=GoalKind.values), name="goal_kind_valid"),
            models.CheckConstraint(condition=models.Q(status__in=GoalStatus.values), name="goal_status_valid"),
            models.CheckConstraint(condition=models.Q(priority__lte=100), name="goal_priority_range"),
            not_blank_check("name", "goal_name_not_blank"),
            json_size_check("args", "goal_args_size"),
        ]
        indexes = [models.Index(fields=["agent", "status", "-priority"], name="goal_agent_status_idx")]

    def __str__(self) -> str:
        return self.name
