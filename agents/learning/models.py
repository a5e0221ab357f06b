"""Learning's tables: what every plan frame's end taught (outcomes), what they add up to (statistics), how
an organization chooses plans (selection policies) and whether a group pools its experience.

- ``PlanOutcome``: append-only, one row per finished plan frame, written in the cycle's transaction
  (``hooks.outcomes_store``). A trigger refuses every UPDATE but the roll-up's one-way ``rolled_at``
  (migration 0019, PostgreSQL).
- ``PlanStats``: per scope (agent, group, role, organization) x plan x context key. Written only by the
  roll-up (``services/rollup.py``), never by the cycle: a shared row updated inside the cycle would make
  every worker of a group wait on the others' locks.
- ``SelectionPolicy``: per organization (no trigger) or per plan trigger of it.
- ``GroupLearning``: a group's switch; without a row a group shares.
- ``LearningRollup``: the single row that serialises roll-ups and says how far the last one got.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from agents.agent.models import Agent, AgentGroup
from agents.common.limits import SHORT_TEXT
from agents.common.models import json_size_check
from agents.organization.models import AgentRole, Organization
from agents.reasoning.plans.models import Plan, PlanVersion

#: The most a shared weight may be: beyond it the group's experience drowns the agent's own.
SHARED_WEIGHT_MAX = 10.0


class Scope(models.TextChoices):
    AGENT = "agent", "agent"
    GROUP = "group", "group"
    ROLE = "role", "role"
    ORGANIZATION = "organization", "organization"


class PolicyName(models.TextChoices):
    FIRST_APPLICABLE = "first_applicable", "first applicable (Jason)"
    THOMPSON = "thompson", "Thompson sampling, the agent's own experience"
    THOMPSON_SHARED = "thompson_shared", "Thompson sampling, own and group experience"


class PlanOutcome(models.Model):
    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="plan_outcomes")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    role = models.ForeignKey(AgentRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="outcomes")
    goal_id = models.UUIDField(null=True, blank=True, help_text="The goal the frame pursued, if any.")
    intention_id = models.UUIDField()
    trigger_kind = models.CharField(max_length=16)
    trigger_name = models.CharField(max_length=SHORT_TEXT)
    context_key = models.CharField(max_length=32, help_text="What statistics pool by (hash of the context).")
    context = models.JSONField(default=dict, help_text="Organization, role and the plan's declared features.")
    success = models.BooleanField()
    reward = models.FloatField(null=True, blank=True, help_text="The plan's declared reward; empty: none declared.")
    cost = models.FloatField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=100, blank=True, default="")
    cycle = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    rolled_at = models.DateTimeField(null=True, blank=True, help_text="When the roll-up counted it.")

    class Meta:
        app_label = "agents"
        ordering = ["-id"]
        constraints = [json_size_check("context", "planoutcome_context_size")]
        indexes = [
            # The roll-up's question: which outcomes are not counted yet?
            models.Index(fields=["id"], condition=Q(rolled_at__isnull=True), name="planoutcome_unrolled_idx"),
            models.Index(fields=["plan", "created_at"], name="planoutcome_plan_time_idx"),
            models.Index(fields=["organization", "created_at"], name="planoutcome_org_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{'success' if self.success else 'failure'} of plan {self.plan_id} by agent {self.agent_id}"

    @property
    def score(self) -> float:
        """The outcome as a Bernoulli trial's success: 0 for a failure; for a success its reward clipped to
        [0, 1] when the plan declares one, else 1 (a fractional reward is a success that often)."""
        if not self.success:
            return 0.0
        return 1.0 if self.reward is None else min(1.0, max(0.0, self.reward))


class PlanStats(models.Model):
    id = models.BigAutoField(primary_key=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    scope_id = models.UUIDField(help_text="The agent, group, role or organization.")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stats")
    context_key = models.CharField(max_length=32)
    context = models.JSONField(default=dict)
    count = models.PositiveBigIntegerField(default=0)
    successes = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveBigIntegerField(default=0)
    reward_sum = models.FloatField(default=0.0)
    cost_sum = models.FloatField(default=0.0)
    weight_success = models.FloatField(default=0.0, help_text="Discounted successes (what the policy samples).")
    weight_failure = models.FloatField(default=0.0, help_text="Discounted failures.")
    weighed_at = models.DateTimeField(null=True, blank=True, help_text="The instant the weights are computed for "
                                                                       "(the newest outcome counted in).")
    last_outcome = models.BigIntegerField(default=0, help_text="The last outcome counted in.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agents"
        ordering = ["plan_id", "scope", "scope_id"]
        verbose_name_plural = "plan stats"
        constraints = [
            models.UniqueConstraint(fields=["scope", "scope_id", "plan", "context_key"], name="planstats_unique"),
            models.CheckConstraint(condition=Q(successes__lte=models.F("count")) & Q(failures__lte=models.F("count"))
                                   & Q(weight_success__gte=0) & Q(weight_failure__gte=0), name="planstats_sane"),
            json_size_check("context", "planstats_context_size"),
        ]
        indexes = [models.Index(fields=["plan", "scope"], name="planstats_plan_scope_idx")]

    def __str__(self) -> str:
        return f"plan {self.plan_id}, {self.scope} {self.scope_id}: {self.successes}/{self.count}"

    @property
    def rate(self) -> float | None:
        return self.successes / self.count if self.count else None


class SelectionPolicy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="selection_policies")
    trigger_kind = models.CharField(max_length=16, blank=True, default="",
                                    help_text="Empty with the name: the organization's default.")
    trigger_name = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    policy = models.CharField(max_length=24, choices=PolicyName.choices, default=PolicyName.FIRST_APPLICABLE)
    shared_weight = models.FloatField(default=1.0, help_text="thompson_shared: how much one outcome of the group "
                                                             "counts against one of the agent's own (0 to 10).")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agents"
        ordering = ["organization_id", "trigger_kind", "trigger_name"]
        verbose_name_plural = "selection policies"
        constraints = [
            models.UniqueConstraint(fields=["organization", "trigger_kind", "trigger_name"],
                                    name="selectionpolicy_unique"),
            models.CheckConstraint(condition=Q(policy__in=PolicyName.values), name="selectionpolicy_policy_valid"),
            models.CheckConstraint(condition=Q(shared_weight__gte=0) & Q(shared_weight__lte=SHARED_WEIGHT_MAX),
                                   name="selectionpolicy_weight_range"),
            models.CheckConstraint(condition=Q(trigger_kind="", trigger_name="") | (~Q(trigger_kind="")
                                                                                    & ~Q(trigger_name="")),
                                   name="selectionpolicy_trigger_whole"),
        ]

    def __str__(self) -> str:
        where = f"{self.trigger_kind} {self.trigger_name}" if self.trigger_kind else "default"
        return f"{self.policy} ({where})"


class GroupLearning(models.Model):
    group = models.OneToOneField(AgentGroup, primary_key=True, on_delete=models.CASCADE, related_name="learning")
    sharing = models.BooleanField(default=True, help_text="Off: the group's members neither pool their outcomes "
                                                          "nor read the group's statistics.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agents"
        verbose_name = "group learning switch"

    def __str__(self) -> str:
        return f"{self.group_id}: {'shares' if self.sharing else 'does not share'}"


class LearningRollup(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_run_at = models.DateTimeField(null=True, blank=True)
    outcomes_rolled = models.PositiveBigIntegerField(default=0, help_text="Outcomes counted since the start.")

    class Meta:
        app_label = "agents"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="learningrollup_single")]

    def __str__(self) -> str:
        return f"roll-up: {self.outcomes_rolled} outcomes"
