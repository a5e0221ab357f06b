"""``ApprovalRequest``: a question an agent's plan put to people (an ``ask_approval`` step), and its answer.

The cycle inserts the row with the batch that ran the step (like an action request: its id is derived from
the intention and its step count, ``idempotency_key`` unique, a replay inserts nothing) and the intention
waits for it. A person approves or rejects it (``approval_decide``): the decision, the agent's ``approval``
event and the audit event commit together. Past its ``deadline`` it can no longer be decided; the sweeper
marks it ``expired`` (services/expiry.py).

Who may decide (``of``): ``operators``, the users with ``operate`` on the agent's organization; or the name
of a user role (a Django group: operator, administrator, ...), whose members may decide if they can view
the organization.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from agents.agent.models import Agent
from agents.common.limits import (
    ACTION_KEY_MAX,
    APPROVAL_COMMENT_MAX,
    APPROVAL_QUESTION_MAX,
    SHORT_TEXT,
)

#: ``of`` for the users with ``operate`` on the agent's organization.
OPERATORS = "operators"
#: ``step`` of a request no intention waits for: a question MABOS itself puts to people about an agent
#: (supervision's escalation). The sweeper expires it only at its deadline; its answer goes to the hooks
#: registered in ``agents.reasoning.approvals.hooks``, after the decision commits.
STANDALONE = "standalone"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "pending"      # waiting for a person, until deadline
    APPROVED = "approved", "approved"   # the intention continues after the gate
    REJECTED = "rejected", "rejected"   # the step fails: error rejected
    EXPIRED = "expired", "expired"      # nobody decided in time: error approval_expired


DECIDED = frozenset({ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED})


class ApprovalRequest(models.Model):
    # Database defaults on what the cycle's insert does not name, as for action requests.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="approval_requests")
    intention = models.ForeignKey("agents.Intention", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The intention waiting at the gate.")
    idempotency_key = models.CharField(max_length=ACTION_KEY_MAX, unique=True,
                                       help_text="The cycle's key (intention and step): a replay inserts nothing.")
    name = models.CharField(max_length=SHORT_TEXT, help_text="The gate's name (the ^approval:name trigger).")
    question = models.TextField(max_length=APPROVAL_QUESTION_MAX, help_text="What the agent asks.")
    of = models.CharField(max_length=SHORT_TEXT, default="operators", db_default="operators",
                          help_text="Who may decide: operators (operate on the organization) or a user role.")
    plan = models.CharField(max_length=SHORT_TEXT, blank=True, default="", db_default="",
                            help_text="The label of the plan that asked.")
    plan_version = models.PositiveIntegerField(null=True, blank=True)
    step = models.CharField(max_length=SHORT_TEXT, blank=True, default="", db_default="",
                            help_text="The step's path in that plan (body[2]).")
    status = models.CharField(max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING,
                              db_default=ApprovalStatus.PENDING)
    deadline = models.DateTimeField(help_text="After this nobody may decide; the step fails (approval_expired).")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(max_length=APPROVAL_COMMENT_MAX, blank=True, default="", db_default="")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        app_label = "agents"
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ApprovalStatus.values), name="approvalrequest_status_valid"),
            models.CheckConstraint(condition=Q(decided_at__isnull=True) | Q(status__in=sorted(DECIDED)),
                                   name="approvalrequest_decided_only_when_done"),
            models.CheckConstraint(condition=Q(decided_at__isnull=False) | ~Q(status__in=sorted(DECIDED)),
                                   name="approvalrequest_done_has_decided_at"),
        ]
        indexes = [
            # The expiry sweep: pending requests in deadline order.
            models.Index(fields=["deadline"], name="approvalrequest_due_idx",
                         condition=Q(status=ApprovalStatus.PENDING)),
            models.Index(fields=["agent", "-created_at"], name="approvalrequest_agent_idx"),
            models.Index(fields=["status", "-created_at"], name="approvalrequest_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status}) {self.id}"
