"""``Intention``: one course of action of one agent, persisted so that a crash loses nothing (RUNTIME.md §3).

Jason keeps an intention as a stack of plan instances in memory; MABOS stores the same stack as JSON, one
frame per plan instance, each with its program counter and its bindings. A frame:

``{"plan": <plan id>, "version": <version id>, "label": "cut_costs", "trigger": {"kind", "name"},
"goal": <goal id or null>, "bindings": {"Months": 3}, "pc": [2, "then", 0], "atomic": false,
"recovers": <index of the frame whose failure this frame handles, or null>, "goals": [<goal ids achieved
when this frame ends: tail calls>]}``

``pc`` is a path into the version's body: ``[2]`` is ``body[2]``, ``[2, "then", 0]`` the first step of
its ``then`` branch. The cycle advances it one step at a time and commits it with every effect of that
step, so a replayed cycle resumes exactly where the last commit left it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from agents.agent.models import Agent
from agents.common.limits import INTENTION_STACK_MAX_CHARS, SHORT_TEXT
from agents.common.models import json_size_check


class IntentionStatus(models.TextChoices):
    RUNNING = "running", "running"      # it takes a step in every cycle of its agent (round-robin)
    WAITING = "waiting", "waiting"      # for an event, a timer or an action's result (``wait``)
    ACHIEVED = "achieved", "achieved"   # its last frame ended
    FAILED = "failed", "failed"         # a failure no recovery plan handled (``error``)
    DROPPED = "dropped", "dropped"      # a ``drop`` step, or a person (``POST intentions/{id}/drop/``)


#: An intention in one of these is still the agent's business.
LIVE = frozenset({IntentionStatus.RUNNING, IntentionStatus.WAITING})


class Intention(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="intentions")
    status = models.CharField(max_length=16, choices=IntentionStatus.choices, default=IntentionStatus.RUNNING)
    stack = models.JSONField(default=list, blank=True, help_text="Plan frames, bottom first (see the module).")
    #: What started it: the goal it pursues (a goal_added event) and the trigger of its first plan.
    goal = models.ForeignKey("agents.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    trigger_kind = models.CharField(max_length=16)
    trigger_name = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    event_id = models.BigIntegerField(null=True, blank=True, help_text="The event that started it.")
    #: While waiting: the event pattern (a trigger), the names to bind, what a timeout does, or an action.
    wait = models.JSONField(null=True, blank=True)
    wait_until = models.DateTimeField(null=True, blank=True, help_text="A waiting intention's timeout.")
    steps_total = models.PositiveIntegerField(default=0, help_text="Steps taken in its life.")
    last_cycle = models.PositiveBigIntegerField(default=0, help_text="The agent's cycle of its last step: "
                                                                     "round-robin goes least recent first.")
    error = models.JSONField(null=True, blank=True, help_text="How it failed: error, message, plan, step.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "agents"
        ordering = ["agent_id", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IntentionStatus.values), name="intention_status_valid"),
            models.CheckConstraint(condition=Q(finished_at__isnull=True) | ~Q(status__in=sorted(LIVE)),
                                   name="intention_live_not_finished"),
            json_size_check("stack", "intention_stack_size", INTENTION_STACK_MAX_CHARS),
        ]
        indexes = [
            # The cycle's read: an agent's live intentions. Finished ones (the history) are not in it.
            models.Index(fields=["agent", "created_at"], name="intention_live_idx",
                         condition=Q(status__in=sorted(LIVE))),
            # Supervision's failure signal: failed intentions by when they failed (the rest are not in it).
            models.Index(fields=["finished_at"], name="intention_failed_idx",
                         condition=Q(status=IntentionStatus.FAILED)),
        ]

    def __str__(self) -> str:
        return f"intention {self.id} ({self.status})"
