"""The approval sweeper (a beat task): pending requests past their deadline become ``expired``.

Who owns what at the deadline, so nothing happens twice:

- **The cycle owns the step.** The intention waits with ``wait_until`` = the deadline, so its agent is due
  then and ``expire_waits`` fails the step with ``approval_expired`` without waiting for this sweep.
- **The sweeper owns the row.** It marks the request expired (audited, by the system) and posts the
  ``approval`` event (decision ``expired``), in the decision's lock order (runtime row, request, intention,
  audit). If the cycle got there first, the intention no longer waits for this request and the event resumes
  nothing (it is only the agent's news, for any ``^approval:name`` plan); if the sweep comes first, the event
  fails the step the same way. Either way the step fails once.

A request whose intention no longer waits for it (an operator dropped the intention) is closed the same way,
with the comment saying so: nobody could pass that gate any more.

A decision and an expiry of the same request serialize on its row lock; the later one finds it no longer
pending and does nothing (a person's is a 409).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from agents.reasoning.approvals.models import STANDALONE, ApprovalRequest, ApprovalStatus
from agents.reasoning.approvals.services.decisions import approval_answer, approval_lock, approval_waited_for
from agents.reasoning.intentions.models import IntentionStatus
from auditlog.actors import Actor

SYSTEM = Actor.system("approvals")
#: Requests expired per sweep (the next sweep takes the rest).
SWEEP_BATCH = 500


CLOSED = "the intention that asked no longer waits for it"


def approvals_expire(*, limit: int = SWEEP_BATCH) -> int:
    """Expire pending requests whose deadline has passed, and close (expire) those whose intention no longer
    waits for them (dropped by an operator), one transaction each; how many there were."""
    pending = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING)
    due = list(pending.filter(deadline__lte=Now()).order_by("deadline").values_list("pk", "agent_id")[:limit])
    ended = ~Q(step=STANDALONE) & (Q(intention__isnull=True) | ~Q(intention__status=IntentionStatus.WAITING))
    orphans = list(pending.filter(ended).exclude(pk__in=[pk for pk, _ in due])
                   .order_by("deadline").values_list("pk", "agent_id")[:limit])
    expired = 0
    for pk, agent_id in [*due, *orphans]:
        with transaction.atomic():
            locked = approval_lock(ApprovalRequest(pk=pk, agent_id=agent_id))
            if locked.status != ApprovalStatus.PENDING:
                continue  # decided meanwhile: the decision stands
            waited = locked.step == STANDALONE or approval_waited_for(locked)
            if waited and locked.deadline > timezone.now():
                continue  # still awaited and not due: nothing to do (defensive; the queries above exclude it)
            approval_answer(locked, status=ApprovalStatus.EXPIRED, by=SYSTEM, comment="" if waited else CLOSED)
            expired += 1
    return expired
