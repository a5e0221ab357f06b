"""The action sweeper (a beat task): what the wake-ups and the workers missed.

- requests whose lease ran out (a worker lost mid-call, or one that ran past its lease) go back to
  ``pending``, due at once, to run again with the same idempotency key (at least once); a request that has
  used all its attempts this way fails with ``lease_expired`` and its ``action_result`` event is posted;
- due requests whose wake-up was lost (broker down, worker killed) are run here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from agents.reasoning.actions.models import ActionRequest, ActionStatus
from agents.reasoning.actions.policy import knob
from agents.reasoning.actions.registry import PermanentError
from agents.reasoning.actions.services.worker import action_result_post, actions_run_due

LEASE_EXPIRED = "The worker was lost before it recorded the outcome; the action runs again (at least once)."
LEASE_EXPIRED_LAST = "The worker was lost before it recorded the outcome of the last attempt."
#: Expired leases handled per sweep (the next sweep takes the rest).
SWEEP_BATCH = 1000


@transaction.atomic
def action_leases_expire() -> dict[str, int]:
    """Running requests past their lease: back to pending, or failed when out of attempts (with their event).

    Rows locked right now (a worker recording its outcome) are skipped: that worker decides.
    """
    max_attempts = int(knob("MAX_ATTEMPTS"))
    expired = list(ActionRequest.objects.filter(status=ActionStatus.RUNNING, lease_until__lt=Now())
                   .select_related("agent").select_for_update(skip_locked=True, of=("self",))
                   .order_by("lease_until")[:SWEEP_BATCH])
    retry = [request.pk for request in expired if request.attempts < max_attempts]
    last = [request for request in expired if request.attempts >= max_attempts]
    requeued = ActionRequest.objects.filter(pk__in=retry).update(
        status=ActionStatus.PENDING, lease_until=None, next_attempt_at=Now(), error="lease_expired",
        error_message=LEASE_EXPIRED) if retry else 0
    if last:
        ActionRequest.objects.filter(pk__in=[request.pk for request in last]).update(
            status=ActionStatus.FAILED, lease_until=None, finished_at=Now(), error="lease_expired",
            error_message=LEASE_EXPIRED_LAST)
        error = PermanentError("lease_expired", LEASE_EXPIRED_LAST)
        for request in last:
            action_result_post(request=request, result=None, error=error)
    return {"requeued": requeued, "failed": len(last)}


def actions_sweep(*, time_budget: float | None = None) -> dict[str, Any]:
    """One sweep; its figures, for the logs."""
    figures: dict[str, Any] = action_leases_expire()
    budget = float(knob("SWEEPER_INTERVAL_SECONDS")) if time_budget is None else time_budget
    figures["ran"] = actions_run_due(time_budget=max(0.5, budget))
    return figures
