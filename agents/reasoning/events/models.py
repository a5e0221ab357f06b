"""``AgentEvent``: what happened to an internal agent that its next cycle must reason about (RUNTIME.md §1).

One table for every kind, so the cycle reads an agent's pending events with one index probe and in one
order. A delivered message is an event of kind ``message`` with a unique link to its delivery: a hand-over
retried after a crash stores nothing twice (this generalizes the inbox events of messaging).

Who caused an event is kept as values (``source``, ``source_id``, ``source_name``), like the audit log's
actors: the trace can say "adopted because user alice (7) posted it" even after the user is gone.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from agents.agent.models import Agent
from agents.common.limits import EVENT_ARGS_MAX_CHARS, NAME_MAX
from agents.common.models import json_size_check
from agents.messaging.models import Delivery, Message


class EventKind(models.TextChoices):
    MESSAGE = "message", "message"                # a delivery handed to the agent
    GOAL_ADDED = "goal_added", "goal added"       # +!goal: a goal adopted (API, admin, onboarding, a plan)
    GOAL_FAILED = "goal_failed", "goal failed"    # -!goal: a goal's plan failed (the cycle)
    BELIEF_ADDED = "belief_added", "belief added"
    BELIEF_CHANGED = "belief_changed", "belief changed"
    BELIEF_REMOVED = "belief_removed", "belief removed"
    ACTION_RESULT = "action_result", "action result"  # an external action came back
    APPROVAL = "approval", "approval"             # a person decided an approval gate
    TIMER = "timer", "timer"                      # a wait's timer fired
    PROTOCOL = "protocol", "protocol"             # an interaction protocol's run changed phase


class EventSource(models.TextChoices):
    MESSAGE = "message", "message"  # a delivered message (``message`` and ``delivery`` say which)
    USER = "user", "user"           # a person, through the API or the admin (``source_id``: the user's id)
    AGENT = "agent", "agent"        # the agent itself: its own key, or its own cycle (``source_id``: its id)
    SYSTEM = "system", "system"     # MABOS itself: onboarding, a sweeper, a supervisor (``source_name``)


#: The event kinds a poster may create; ``message`` events come only from the delivery hand-over.
POSTABLE_KINDS = frozenset(EventKind.values) - {EventKind.MESSAGE}


class AgentEvent(models.Model):
    """One event of one internal agent. Pending until the cycle consumes it (``consumed_at``).

    Ordered by ``id`` (a sequence): the cycle takes an agent's pending events oldest first. A lower id may
    commit after a higher one, so the cycle finds pending events by ``consumed_at IS NULL``, never by "ids
    above the last one seen".
    """

    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    args = models.JSONField(default=dict, blank=True,
                            help_text="The event's arguments (a JSON object): what plans bind from it.")
    source = models.CharField(max_length=16, choices=EventSource.choices)
    source_id = models.CharField(max_length=64, blank=True, default="",
                                 help_text="The user's or agent's id, when a user or an agent caused it.")
    source_name = models.CharField(max_length=NAME_MAX, blank=True, default="",
                                   help_text="Who caused it, as they were named then.")
    delivery = models.OneToOneField(Delivery, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="event")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    #: The intention an internal event belongs to (an action's result, a timer, a failure of its goal).
    intention = models.ForeignKey("agents.Intention", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The intention this event belongs to.")
    created_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True, help_text="Empty: pending.")

    class Meta:
        app_label = "agents"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="agentevent_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=EventSource.values), name="agentevent_source_valid"),
            # A message event names its delivery and message, and only a message event has a delivery.
            models.CheckConstraint(
                condition=~Q(kind=EventKind.MESSAGE) | Q(delivery__isnull=False, message__isnull=False,
                                                         source=EventSource.MESSAGE),
                name="agentevent_message_has_delivery"),
            models.CheckConstraint(condition=Q(delivery__isnull=True) | Q(kind=EventKind.MESSAGE),
                                   name="agentevent_delivery_only_for_messages"),
            models.CheckConstraint(condition=~Q(source=EventSource.MESSAGE) | Q(message__isnull=False),
                                   name="agentevent_message_source_named"),
            json_size_check("args", "agentevent_args_size", EVENT_ARGS_MAX_CHARS),
        ]
        indexes = [
            # The cycle's read: an agent's pending events, oldest first. Consumed rows are not in it.
            models.Index(fields=["agent", "id"], name="agentevent_pending_idx", condition=Q(consumed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.agent_id} ({self.id})"
