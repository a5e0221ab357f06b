"""Plans: a stable identity (``Plan``) and its versions (``PlanVersion``), each version immutable.

A plan belongs to exactly one scope: an organization (its agents may use it) or a global role template
(every agent holding that role, in any organization). A version holds what Jason's plan holds: the
trigger, the names it binds from the event, the context, the body, its source order and the atomic flag,
and how learning judges it (``learning``: its reward, cost and features, docs/reasoning.md).

Versions never change once written: a revision always makes version n+1 (``plan_revise``), so an
intention that started on version n finishes on it, and the trace can always name the exact text that
ran. ``used_at`` records that an intention ran a version (``plan_version_mark_used``, called by the
cycle): such a version is never deleted. On PostgreSQL a trigger refuses any change to a version's
content (migrations 0009_plan, 0018_plan_learning); ``check_integrity`` checks the scope rules on every database.

``PlanAdoption`` is Jason's tellHow: a plan version another agent told this one (a ``tell_how`` step, or an
operator through the API), which the cycle's library adds to the agent's own candidates. One row per (agent,
plan): a newer version told later replaces the older (docs/learning.md, tellHow).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from agents.agent.models import Agent
from agents.common.limits import PLAN_LABEL_MAX, PLAN_LABEL_REGEX, PLAN_ORDER_MAX, SHORT_TEXT, TEXT_MAX
from agents.common.models import Timestamped, json_size_check
from agents.messaging.models import Message
from agents.organization.models import AgentRole, Organization
from agents.reasoning.plans.triggers import TriggerKind


def learning_of(stored: Any) -> dict[str, Any]:
    """A version's learning annotations with the defaults filled in: versions written before them store {}."""
    stored = stored if isinstance(stored, dict) else {}
    features = stored.get("features") or {}
    return {"reward": stored.get("reward") or "", "cost": stored.get("cost") or "",
            "features": {key: features[key] for key in sorted(features)}}


class Plan(Timestamped):
    """What stays the same across versions: the scope, the label, whether new intentions may use it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="plans", help_text="The organization whose agents use it.")
    role = models.ForeignKey(AgentRole, null=True, blank=True, on_delete=models.PROTECT, related_name="plans",
                             help_text="A global role template: every agent holding it uses the plan.")
    label = models.CharField(max_length=PLAN_LABEL_MAX, help_text="The plan's name in its scope (@label).")
    enabled = models.BooleanField(default=True, help_text="Off: no new intention starts on it; running ones "
                                                          "finish.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        app_label = "agents"
        ordering = ["label", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(organization__isnull=True) ^ models.Q(role__isnull=True),
                                   name="plan_one_scope"),
            models.UniqueConstraint(fields=["organization", "label"], condition=models.Q(organization__isnull=False),
                                    name="plan_label_unique_in_org"),
            models.UniqueConstraint(fields=["role", "label"], condition=models.Q(role__isnull=False),
                                    name="plan_label_unique_in_role"),
            models.CheckConstraint(condition=models.Q(label__regex=PLAN_LABEL_REGEX), name="plan_label_format"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def scope_repr(self) -> str:
        return f"organization {self.organization}" if self.organization_id else f"role template {self.role}"


class PlanVersion(models.Model):
    """One version of a plan: the data the cycle runs. Written once, never changed (see the module)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True, help_text="The version new intentions start on.")
    trigger_kind = models.CharField(max_length=16, choices=TriggerKind.choices)
    trigger_name = models.CharField(max_length=SHORT_TEXT, help_text="The goal, belief, performative, action, "
                                                                     "approval or timer it matches.")
    trigger_ontology = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    trigger_protocol = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    args = models.JSONField(default=list, blank=True, help_text="The names it binds from the event, in order.")
    context = models.TextField(max_length=TEXT_MAX, blank=True, default="", help_text="Empty: always applicable.")
    body = models.JSONField(default=list, blank=True, help_text="The steps, as JSON (docs/reasoning.md).")
    source_order = models.PositiveIntegerField(default=0, help_text="Jason's plan order: lower is tried first.")
    atomic = models.BooleanField(default=False, help_text="Runs to its end before any other intention steps.")
    learning = models.JSONField(default=dict, blank=True, help_text="Reward, cost and features: how learning "
                                                                    "judges the plan (docs/reasoning.md).")
    used_at = models.DateTimeField(null=True, blank=True, help_text="When an intention first ran this version.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "agents"
        ordering = ["plan_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="planversion_number_unique"),
            models.UniqueConstraint(fields=["plan"], condition=models.Q(is_current=True),
                                    name="planversion_one_current"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="planversion_number_positive"),
            models.CheckConstraint(condition=models.Q(trigger_kind__in=TriggerKind.values),
                                   name="planversion_trigger_kind_valid"),
            models.CheckConstraint(condition=models.Q(source_order__lte=PLAN_ORDER_MAX),
                                   name="planversion_source_order_range"),
            json_size_check("args", "planversion_args_size"),
            json_size_check("body", "planversion_body_size"),
            json_size_check("learning", "planversion_learning_size"),
        ]
        indexes = [
            # The cycle's question: which current versions does this event's trigger match?
            models.Index(fields=["trigger_kind", "trigger_name"], condition=models.Q(is_current=True),
                         name="planversion_current_trigger"),
        ]

    def __str__(self) -> str:
        """"version 3 of plan sell_stock" (an inline title on the plan's page: no id); without its plan at hand,
        "version 3" (a title never costs a query)."""
        if PlanVersion.plan.is_cached(self):
            return f"version {self.version} of plan {self.plan.label}"
        return f"version {self.version}"


class PlanAdoption(models.Model):
    """A plan version an agent adopted because a group member told it (tellHow): the agent's own candidate.

    The version is CASCADE: only a version no intention ran may be deleted (``used_at``), and an adoption of
    a version that no longer exists is nothing the cycle could run. Deleting the plan removes it too.
    """

    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="plan_adoptions")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="adoptions")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="adoptions")
    told_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="The agent that told the plan.")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="The inform that carried it.")
    adopted_at = models.DateTimeField()

    class Meta:
        app_label = "agents"
        ordering = ["agent_id", "plan_id"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "plan"], name="planadoption_one_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} adopted {self.version_id}"
