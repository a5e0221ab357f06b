"""``CycleTrace``: what one cycle of one agent saw, chose and did, and why (RUNTIME.md §3).

Written by the cycle in its own transaction, in bulk, instead of an audit event per step: the cycle's
writes are bookkeeping of an agent's own mind, and an audit event would serialise every batch on the audit
chain's lock. Kept ``REASONING_TRACE_RETENTION_DAYS`` and pruned by the beat (``agents.prune_traces``).

- ``event``: the event the cycle took (``{"id", "kind", "name", "source": {"kind", "id", "name"}}``), or null
  when it only advanced intentions.
- ``options``: every relevant plan for it, in the order considered, with its context and whether it held
  (``{"plan", "label", "version", "context", "held", "reason"}``; ``version`` is the number).
- ``choice``: the plan chosen and why (``{"plan", "label", "version", "why"}``), null if none.
- ``steps``: every step the cycle ran (``{"intention", "label", "version", "path", "kind", "result",
  "detail"}``).

``agents/reasoning/trace/words.py`` says what each key means and turns a row into sentences; the API and the
admin show those.
"""

from __future__ import annotations

from django.db import models

from agents.agent.models import Agent
from agents.common.limits import TRACE_MAX_CHARS
from agents.common.models import json_size_check


class CycleTrace(models.Model):
    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="traces")
    cycle = models.PositiveBigIntegerField(help_text="The agent's cycle number.")
    at = models.DateTimeField(help_text="When the cycle ran.")
    duration_us = models.PositiveIntegerField(default=0, help_text="Time spent on this agent, in microseconds.")
    event = models.JSONField(null=True, blank=True)
    options = models.JSONField(default=list, blank=True)
    choice = models.JSONField(null=True, blank=True)
    steps = models.JSONField(default=list, blank=True)

    class Meta:
        app_label = "agents"
        ordering = ["agent_id", "-id"]
        constraints = [
            json_size_check("options", "cycletrace_options_size", TRACE_MAX_CHARS),
            json_size_check("steps", "cycletrace_steps_size", TRACE_MAX_CHARS),
        ]
        indexes = [
            models.Index(fields=["agent", "-id"], name="cycletrace_agent_idx"),
            models.Index(fields=["at"], name="cycletrace_at_idx"),  # the pruning
        ]

    def __str__(self) -> str:
        return f"cycle {self.cycle} of {self.agent_id}"
