"""Trace retention: trace rows older than ``REASONING_TRACE_RETENTION_DAYS`` are deleted by the beat.

The trace is the cycle's bookkeeping, not the audit log: it explains recent behaviour ("why did the CFO do
that?") and is not kept for ever. Every agent writes a row per cycle, so the table grows with activity;
pruning deletes in bounded chunks, each its own short statement and commit, so a large backlog (a beat that
was down for a week) never becomes one giant DELETE that holds locks and bloats the WAL in one go, and the
cycle's inserts are never kept waiting behind it.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.reasoning.trace.models import CycleTrace
from mabos.runtime_settings import overrides

logger = logging.getLogger("agents.reasoning")

RETENTION_SETTING = "REASONING_TRACE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 7
#: Rows deleted per statement: small enough for a short transaction, big enough that a day of a busy
#: organization's cycles goes in a few hundred statements.
PRUNE_CHUNK = 5_000
#: Rows one run deletes at most; what is left waits for the next hourly run (the task stays under its time
#: limit whatever the backlog).
PRUNE_MAX_ROWS = 2_000_000


def trace_retention() -> datetime.timedelta:
    """How long trace rows are kept: an administrator's runtime override first, then settings.REASONING."""
    found = overrides()
    days = found[RETENTION_SETTING] if RETENTION_SETTING in found else \
        getattr(settings, "REASONING", {}).get("TRACE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    return datetime.timedelta(days=int(days))


def traces_prune(*, before: datetime.datetime | None = None, chunk_size: int = PRUNE_CHUNK,
                 max_rows: int = PRUNE_MAX_ROWS) -> int:
    """Delete trace rows of cycles that ran before ``before`` (default: now minus the retention); return how many.

    Oldest first, ``chunk_size`` rows per ``DELETE ... WHERE id IN (SELECT id ... ORDER BY at LIMIT n)``
    through ``cycletrace_at_idx``, each in its own transaction, until none is left or ``max_rows`` went.
    """
    cutoff = before if before is not None else timezone.now() - trace_retention()
    deleted = 0
    while deleted < max_rows:
        size = min(chunk_size, max_rows - deleted)
        oldest = CycleTrace.objects.filter(at__lt=cutoff).order_by("at").values("pk")[:size]
        with transaction.atomic():
            count, _ = CycleTrace.objects.filter(pk__in=oldest).delete()
        deleted += count
        if count < size:
            break
    if deleted:
        logger.info("pruned %d trace rows of cycles before %s", deleted, cutoff.isoformat())
    return deleted
