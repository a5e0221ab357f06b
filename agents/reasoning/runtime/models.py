"""``AgentRuntime``: one row per internal agent, the unit the reasoning workers claim (RUNTIME.md §1).

``wake_at`` says when the agent is next due for a cycle; empty means it has nothing to do. Every write
that creates an event for an agent sets it (``agents.reasoning.runtime.services.runtime_wake``) in the
same transaction, so an event is never committed without its agent being due. The cycle (issue 13 part
5) claims due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` through ``agentruntime_due_idx``, and keeps
the rest of the bookkeeping here: its lease, its count of cycles, its heartbeat and its last error;
supervision (issue 15) its restarts. External agents have no row: they never run the cycle.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from agents.agent.models import Agent


class AgentRuntime(models.Model):
    agent = models.OneToOneField(Agent, primary_key=True, on_delete=models.CASCADE, related_name="runtime")
    wake_at = models.DateTimeField(null=True, blank=True,
                                   help_text="Due for a cycle from this time (the database's clock); "
                                             "empty: nothing to do.")
    lease_until = models.DateTimeField(null=True, blank=True,
                                       help_text="A reasoning worker holds the agent until then.")
    cycle_count = models.PositiveBigIntegerField(default=0, db_default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="The last cycle's end.")
    last_error = models.TextField(blank=True, default="", db_default="")
    restart_count = models.PositiveIntegerField(default=0, db_default=0)
    restarted_at = models.DateTimeField(null=True, blank=True)
    # Database defaults: the wake-up's upsert writes rows in raw SQL without naming these.
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        app_label = "agents"
        ordering = ["agent_id"]
        indexes = [
            # The claim: due runtimes in due order. Idle agents (no wake_at) are not in it, however many.
            models.Index(fields=["wake_at"], name="agentruntime_due_idx", condition=Q(wake_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"runtime of {self.agent_id}"
