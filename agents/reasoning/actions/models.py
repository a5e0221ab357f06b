"""``ActionRequest``: an external effect an agent's plan asked for, run at least once by an action worker.

An ``action`` step does not call anything: the cycle writes one row here in the transaction that advances
the intention (an outbox), and an action worker runs it after that commit (RUNTIME.md §3). The row's
``id`` is the idempotency key the third party sees (``Idempotency-Key`` for ``http.post``): a worker that
dies after the call and before recording it leaves a running row whose lease runs out, and the next run
sends the same key, so a third party that honours it does the work once. ``idempotency_key`` is the
cycle's own key (derived from the intention and its step count): a replayed cycle inserts the same key
again, which inserts nothing (``ON CONFLICT DO NOTHING``).

Life of a row: ``pending`` (due at ``next_attempt_at``) → ``running`` (a worker holds it until
``lease_until``) → ``succeeded`` / ``failed``, or back to ``pending`` after a retryable error, with a
back-off. A finished row's outcome goes to its agent as one ``action_result`` event.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from agents.agent.models import Agent
from agents.common.limits import (
    ACTION_ARGS_MAX_CHARS,
    ACTION_ERROR_CODE_MAX,
    ACTION_ERROR_MESSAGE_MAX,
    ACTION_KEY_MAX,
    ACTION_NAME_MAX,
    ACTION_RESULT_MAX_CHARS,
)
from agents.common.models import json_size_check


class ActionStatus(models.TextChoices):
    PENDING = "pending", "pending"        # due at next_attempt_at
    RUNNING = "running", "running"        # a worker holds it until lease_until
    SUCCEEDED = "succeeded", "succeeded"  # the result is in result
    FAILED = "failed", "failed"           # error and error_message say why; no more attempts


FINISHED = frozenset({ActionStatus.SUCCEEDED, ActionStatus.FAILED})


class ActionRequest(models.Model):
    # Database defaults on what the insert does not name: the cycle's insert is one raw statement
    # (``ON CONFLICT DO NOTHING RETURNING``), and its times are the database's clock, as the claim's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False,
                          help_text="Also the idempotency key the third party sees.")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="action_requests")
    intention = models.ForeignKey("agents.Intention", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The intention waiting for the result.")
    idempotency_key = models.CharField(max_length=ACTION_KEY_MAX, unique=True,
                                       help_text="The cycle's key (intention and step): a replay inserts nothing.")
    name = models.CharField(max_length=ACTION_NAME_MAX, help_text="The registered action (crm.create_lead).")
    args = models.JSONField(default=dict, blank=True, help_text="The action's arguments (a JSON object).")
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.PENDING,
                              db_default=ActionStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0, db_default=0, help_text="Runs started so far.")
    next_attempt_at = models.DateTimeField(db_default=Now(),
                                           help_text="A pending request is due from then.")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A running request's worker holds it "
                                                                        "until then; after that it runs again.")
    result = models.JSONField(null=True, blank=True, help_text="What the action returned.")
    error = models.CharField(max_length=ACTION_ERROR_CODE_MAX, blank=True, default="", db_default="",
                             help_text="The last error's code (timeout, http_status, bad_args, ...).")
    error_message = models.TextField(max_length=ACTION_ERROR_MESSAGE_MAX, blank=True, default="", db_default="")
    usage = models.JSONField(null=True, blank=True,
                             help_text="What the run cost: tokens and cost for llm.chat.")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "agents"
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="actionrequest_status_valid"),
            models.CheckConstraint(condition=~Q(status=ActionStatus.RUNNING) | Q(lease_until__isnull=False),
                                   name="actionrequest_running_has_lease"),
            models.CheckConstraint(condition=Q(finished_at__isnull=True) | Q(status__in=sorted(FINISHED)),
                                   name="actionrequest_finished_only_when_done"),
            models.CheckConstraint(condition=Q(finished_at__isnull=False) | ~Q(status__in=sorted(FINISHED)),
                                   name="actionrequest_done_has_finished_at"),
            json_size_check("args", "actionrequest_args_size", ACTION_ARGS_MAX_CHARS),
            json_size_check("result", "actionrequest_result_size", ACTION_RESULT_MAX_CHARS),
            json_size_check("usage", "actionrequest_usage_size"),
        ]
        indexes = [
            # The worker's claim: pending requests in due order. Finished ones (the history) are not in it.
            models.Index(fields=["next_attempt_at"], name="actionrequest_due_idx",
                         condition=Q(status=ActionStatus.PENDING)),
            # The sweep: running requests whose lease ran out.
            models.Index(fields=["lease_until"], name="actionrequest_lease_idx",
                         condition=Q(status=ActionStatus.RUNNING)),
            # The admin's list of an agent's requests, newest first.
            models.Index(fields=["agent", "-created_at"], name="actionrequest_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status}) {self.id}"
