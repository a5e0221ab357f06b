"""The supervision counters of /metrics, moved once per event when the check's transaction commits.

Every supervision event is written by the check (agents.supervision.services.check ``_event``), which calls
``event_counted`` next to the row: a rolled-back transaction counts nothing, a committed one counts each
event once. The gauges (heartbeat ages, agents failed or waiting) are read at scrape time
(mabos.metrics.exposition, from agents.supervision.health).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.supervision.models import SupervisionEventKind, SupervisorPolicy
from mabos.metrics import (
    SUPERVISION_ESCALATIONS,
    SUPERVISION_EVENTS,
    SUPERVISION_RESTARTS,
    SUPERVISION_RESTARTS_SCHEDULED,
)

#: The strategy label of an event no policy decided (a restart whose policy was deleted meanwhile).
NO_POLICY = "none"


def event_counted(*, kind: str, policy: SupervisorPolicy | None, detail: dict[str, Any]) -> None:
    """Count one supervision event once its transaction commits."""
    strategy = policy.strategy if policy is not None else NO_POLICY
    to = str(detail.get("to") or "unknown")

    def count() -> None:
        SUPERVISION_EVENTS.labels(kind=kind).inc()
        if kind == SupervisionEventKind.RESTART_SCHEDULED:
            SUPERVISION_RESTARTS_SCHEDULED.labels(strategy=strategy).inc()
        elif kind == SupervisionEventKind.RESTARTED:
            SUPERVISION_RESTARTS.labels(strategy=strategy).inc()
        elif kind == SupervisionEventKind.ESCALATED:
            SUPERVISION_ESCALATIONS.labels(to=to if to in ("agent", "people") else "unknown").inc()

    transaction.on_commit(count, robust=True)
