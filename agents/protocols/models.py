"""``ProtocolRun`` (one per conversation) and ``ProtocolSession`` (one per participant) (RUNTIME.md §4).

A run's id *is* the conversation id of its messages. Its state moves only through
``agents.protocols.services.run_apply``, along ``agents.protocols.transitions.TRANSITIONS``. Every waiting
phase has its own deadline column (``response_by``, ``result_by``): JADE's AchieveRE initiator waits for the
result forever after an agree; here the sweeper (``agents.protocols.sweeper``) fires a ``timeout``.

Who writes a run: the initiator's reasoning cycle (while its batch holds the initiator's runtime row) and the
sweeper (only after locking that same runtime row, ``SKIP LOCKED``): one writer at a time, no deadlock.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from agents.agent.models import Agent
from agents.common.limits import SHORT_TEXT
from agents.common.models import json_size_check
from agents.messaging.models import Message
from agents.organization.models import Organization
from agents.protocols.transitions import PROTOCOLS, WAITING, RunState


class ProtocolRun(models.Model):
    id = models.UUIDField(primary_key=True, editable=False, help_text="The conversation id of its messages.")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    protocol = models.CharField(max_length=32, choices=[(p, p) for p in PROTOCOLS])
    performative = models.CharField(max_length=20, help_text="The act that opened the run.")
    initiator = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="protocol_runs")
    # A plain id, not a foreign key: intentions belong to reasoning, which comes after protocols (LAYOUT.md).
    intention_id = models.UUIDField(null=True, blank=True,
                                    help_text="The initiator's intention that waits on the run.")
    state = models.CharField(max_length=24, choices=RunState.CHOICES, default=RunState.AWAITING_RESPONSE)
    phase = models.CharField(max_length=24, default="response",
                             help_text="response, decision (Contract-Net), result, or closed.")
    response_by = models.DateTimeField(help_text="The deadline of the response phase (agree / refuse).")
    result_timeout = models.FloatField(help_text="Seconds the result may take after an agree.")
    result_by = models.DateTimeField(null=True, blank=True,
                                     help_text="The deadline of the result phase (or of a Contract-Net decision).")
    content = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True, help_text="The closing message's content.")
    reason = models.CharField(max_length=SHORT_TEXT, blank=True, default="",
                              help_text="Why it closed without a result (refused, failure, timeout).")
    #: Messages refused with a not-understood (at most the last 20): {message, sender, performative, why}.
    rejected = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "agents"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=[s for s, _ in RunState.CHOICES]),
                                   name="protocolrun_state_valid"),
            models.CheckConstraint(condition=Q(protocol__in=list(PROTOCOLS)), name="protocolrun_protocol_valid"),
            models.CheckConstraint(condition=~Q(state=RunState.AWAITING_RESULT) | Q(result_by__isnull=False),
                                   name="protocolrun_result_phase_has_deadline"),
            json_size_check("content", "protocolrun_content_size"),
            json_size_check("result", "protocolrun_result_size"),
            models.CheckConstraint(condition=~Q(state=RunState.AWAITING_DECISION) | Q(result_by__isnull=False),
                                   name="protocolrun_decision_phase_has_deadline"),
        ]
        indexes = [
            # The sweeper: waiting runs by the deadline in force.
            models.Index(fields=["response_by"], name="protocolrun_response_due_idx",
                         condition=Q(state=RunState.AWAITING_RESPONSE)),
            models.Index(fields=["result_by"], name="protocolrun_result_due_idx",
                         condition=Q(state=RunState.AWAITING_RESULT)),
            models.Index(fields=["result_by"], name="protocolrun_decision_due_idx",
                         condition=Q(state=RunState.AWAITING_DECISION)),
            models.Index(fields=["initiator", "-created_at"], name="protocolrun_initiator_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.protocol} {str(self.id)[:8]} ({self.state})"

    @property
    def waiting(self) -> bool:
        return self.state in WAITING


class ProtocolSession(models.Model):
    """One participant of a run: JADE's per-responder session (its state, the last message, reply-with)."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ProtocolRun, on_delete=models.CASCADE, related_name="sessions")
    participant = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=24, choices=RunState.CHOICES, default=RunState.AWAITING_RESPONSE)
    last_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply_with = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    content = models.JSONField(null=True, blank=True,
                               help_text="Its last message's content (a Contract-Net proposal, or the result).")
    updated_at = models.DateTimeField()

    class Meta:
        app_label = "agents"
        ordering = ["run_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "participant"], name="protocolsession_one_per_participant"),
            models.CheckConstraint(condition=Q(state__in=[s for s, _ in RunState.CHOICES]),
                                   name="protocolsession_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} / {self.participant_id} ({self.state})"


class ProtocolSubscription(models.Model):
    """FIPA Subscribe at the participant: what it agreed to report, written by the participant's own cycle.

    The run belongs to its initiator (only the initiator's cycle and the sweeper write it); the participant
    must know, in its own cycle, which of its beliefs it promised to report and to whom, without reading or
    writing the initiator's run: this row, made when its plan's ``agree`` goes out, ended (``active`` false)
    when it sends a ``failure`` or takes the initiator's ``cancel``. ``run_id`` is a plain id: the row is the
    participant's promise, and a conversation without a run must not fail the participant's batch.
    """

    id = models.BigAutoField(primary_key=True)
    run_id = models.UUIDField(help_text="The run, and the conversation its informs go to.")
    participant = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    initiator = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    belief = models.CharField(max_length=SHORT_TEXT, help_text="The participant's belief key subscribed to.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        app_label = "agents"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run_id", "participant"], name="protosub_one_per_run"),
        ]
        indexes = [
            models.Index(fields=["participant", "belief"], name="protosub_active_idx",
                         condition=Q(active=True)),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} -> {self.initiator_id}: {self.belief} ({'active' if self.active else 'ended'})"
