"""Supervision's three tables: a policy (OTP's supervisor spec), an agent's supervision state, the event log.

- ``SupervisorPolicy``: for one group, or (no group) the organization's default. An agent is supervised by the
  policy of the first group it joined that has one, else by its organization's default, else by nobody.
- ``AgentSupervision``: one row per supervised agent, written only by the supervision check while it holds the
  row (``FOR UPDATE SKIP LOCKED``): the restarts in the current period, when the next restart is due, the
  watermark from which failure signals count, and the last failure.
- ``SupervisionEvent``: append-only (a trigger refuses UPDATE, migration 0017; deleting a policy may only
  forget it, ``policy`` set null): every signal, restart and escalation, with the policy that decided it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from agents.agent.models import Agent, AgentGroup
from agents.common.limits import SHORT_TEXT
from agents.common.models import json_size_check
from agents.organization.models import Organization


class Strategy(models.TextChoices):
    ONE_FOR_ONE = "one_for_one", "one for one"      # only the failed agent is restarted
    ONE_FOR_ALL = "one_for_all", "one for all"      # every member of the group is restarted
    REST_FOR_ONE = "rest_for_one", "rest for one"   # the failed member and those that joined after it


class RestartType(models.TextChoices):
    PERMANENT = "permanent", "permanent"    # always restarted
    TRANSIENT = "transient", "transient"    # restarted after a failure; a stale heartbeat is only reported
    TEMPORARY = "temporary", "temporary"    # never restarted: a failure is reported, then escalated


class EscalateTo(models.TextChoices):
    LEADER = "leader", "the group's leader agent"
    SUPERVISOR = "supervisor", "the agent's supervisor agent"
    AGENT = "agent", "a named agent"
    ROLE = "role", "the people of a user role"


class SupervisorPolicy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="supervisor_policies")
    group = models.OneToOneField(AgentGroup, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="supervisor_policy",
                                 help_text="Empty: the organization's default, for agents in no group with a policy.")
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.ONE_FOR_ONE)
    intensity = models.PositiveIntegerField(default=3, help_text="At most this many restarts of one agent ...")
    period_seconds = models.PositiveIntegerField(default=60, help_text="... within this many seconds; then escalate.")
    restart = models.CharField(max_length=16, choices=RestartType.choices, default=RestartType.PERMANENT)
    backoff_min_seconds = models.FloatField(default=1.0)
    backoff_max_seconds = models.FloatField(default=60.0)
    backoff_jitter = models.FloatField(default=0.1, help_text="0 to 1: each back-off is varied by up to this share.")
    heartbeat_timeout_seconds = models.PositiveIntegerField(default=60)
    failure_threshold = models.PositiveIntegerField(default=3,
                                                    help_text="This many failed intentions within the window ...")
    failure_window_seconds = models.PositiveIntegerField(default=300, help_text="... count as a failure.")
    escalate_to = models.CharField(max_length=16, choices=EscalateTo.choices, default=EscalateTo.LEADER)
    escalate_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="escalation_policies",
                                       help_text="With escalate_to = agent.")
    escalate_role = models.CharField(max_length=SHORT_TEXT, blank=True, default="",
                                     help_text="With escalate_to = role: the user role (group) asked to decide.")
    reset_beliefs = models.BooleanField(default=False,
                                        help_text="A restart sets the role's starting beliefs again.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agents"
        ordering = ["organization_id", "group_id"]
        verbose_name_plural = "supervisor policies"
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=Q(group__isnull=True),
                                    name="supervisorpolicy_one_default_per_org"),
            models.CheckConstraint(condition=Q(strategy__in=Strategy.values), name="supervisorpolicy_strategy_valid"),
            models.CheckConstraint(condition=Q(restart__in=RestartType.values), name="supervisorpolicy_restart_valid"),
            models.CheckConstraint(condition=Q(escalate_to__in=EscalateTo.values),
                                   name="supervisorpolicy_escalate_valid"),
            models.CheckConstraint(condition=Q(intensity__gte=1), name="supervisorpolicy_intensity_positive"),
            models.CheckConstraint(condition=Q(period_seconds__gte=1), name="supervisorpolicy_period_positive"),
            models.CheckConstraint(condition=Q(backoff_min_seconds__gte=0)
                                   & Q(backoff_min_seconds__lte=models.F("backoff_max_seconds")),
                                   name="supervisorpolicy_backoff_order"),
            models.CheckConstraint(condition=Q(backoff_jitter__gte=0, backoff_jitter__lte=1),
                                   name="supervisorpolicy_jitter_range"),
            models.CheckConstraint(condition=~Q(escalate_to=EscalateTo.AGENT) | Q(escalate_agent__isnull=False),
                                   name="supervisorpolicy_agent_named"),
            models.CheckConstraint(condition=~Q(escalate_to=EscalateTo.ROLE) | ~Q(escalate_role=""),
                                   name="supervisorpolicy_role_named"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} policy of {self.group or 'the organization'}"


class AgentSupervision(models.Model):
    agent = models.OneToOneField(Agent, primary_key=True, on_delete=models.CASCADE, related_name="supervision")
    restarts = models.JSONField(default=list, blank=True,
                                help_text="When this agent's own failures restarted it, within the period.")
    restart_at = models.DateTimeField(null=True, blank=True, help_text="A restart waits for its back-off until.")
    backoff_seconds = models.FloatField(default=0.0)
    signals_since = models.DateTimeField(db_default=Now(), help_text="Failure signals count from here (the last "
                                                                      "restart or check that acted).")
    stale_since = models.DateTimeField(null=True, blank=True, help_text="Reported stale since (once per spell).")
    last_failure = models.JSONField(null=True, blank=True, help_text="The signal that last counted as a failure.")
    last_failure_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    #: What an agent said of itself in its last ``POST agents/{id}/heartbeat/``.
    reported_status = models.CharField(max_length=32, blank=True, default="")
    reported_load = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "agents"
        ordering = ["agent_id"]
        indexes = [
            models.Index(fields=["restart_at"], name="agentsupervision_due_idx", condition=Q(restart_at__isnull=False)),
        ]
        constraints = [json_size_check("restarts", "agentsupervision_restarts_size"),
                       json_size_check("last_failure", "agentsupervision_failure_size")]

    def __str__(self) -> str:
        return f"supervision of {self.agent_id}"


class SupervisionEventKind(models.TextChoices):
    HEARTBEAT_STALE = "heartbeat_stale", "heartbeat stale"
    INTENTIONS_FAILING = "intentions_failing", "intentions failing"
    DEAD_LETTERS = "dead_letters", "dead letters"
    CYCLE_ERRORS = "cycle_errors", "cycle errors"
    RESTART_SCHEDULED = "restart_scheduled", "restart scheduled"
    RESTARTED = "restarted", "restarted"
    ESCALATED = "escalated", "escalated"


#: The kinds that are failure signals (the rest are what supervision did about them).
SIGNALS = frozenset({SupervisionEventKind.HEARTBEAT_STALE, SupervisionEventKind.INTENTIONS_FAILING,
                     SupervisionEventKind.DEAD_LETTERS, SupervisionEventKind.CYCLE_ERRORS})


class SupervisionEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="supervision_events")
    policy = models.ForeignKey(SupervisorPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=SupervisionEventKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(db_default=Now())

    class Meta:
        app_label = "agents"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SupervisionEventKind.values),
                                   name="supervisionevent_kind_valid"),
            json_size_check("detail", "supervisionevent_detail_size"),
        ]
        indexes = [
            models.Index(fields=["organization", "-id"], name="supervisionevent_org_idx"),
            models.Index(fields=["agent", "-id"], name="supervisionevent_agent_idx"),
            models.Index(fields=["kind", "-id"], name="supervisionevent_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.agent_id}"
