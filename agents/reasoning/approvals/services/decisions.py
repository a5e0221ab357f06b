"""``approval_decide``: a person approves or rejects a pending request; the agent's ``approval`` event with it.

One transaction, in the cycle's lock order (docs/reasoning.md, "For the cycle"; intentions/services.py):
the agent's runtime row ``FOR UPDATE`` first (a cycle in progress commits before we go on, and none starts
until we commit), then the request, then the intention, then the audit chain, last. So the decision, the
event and the audit event exist together or not at all, and a decision never interleaves with a cycle.

The waiting intention's ``wait_until`` is cleared with the decision: the gate is answered, so the cycle's
timeout path (``expire_waits``) must not fire for it even if the agent reasons only after the deadline; the
``approval`` event resumes it. A request already decided or expired is a 409 (``approval_decided``), one past
its deadline but not yet swept a 409 (``approval_expired``), one whose intention no longer waits for it (an
operator dropped it) a 409 (``approval_closed``; the sweeper closes it); nothing is written in any of these.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.common.audit import record, user_of
from agents.common.errors import ApprovalClosed, ApprovalDecided, ApprovalExpired, invalid
from agents.common.limits import APPROVAL_COMMENT_MAX
from agents.common.validation import check_text
from agents.reasoning.approvals.hooks import approval_answered
from agents.reasoning.approvals.models import STANDALONE, ApprovalRequest, ApprovalStatus
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import agent_event_post
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.runtime.models import AgentRuntime
from auditlog.models import Action
from mabos.errors import NotFound

DECISIONS = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)


def approval_lock(request: ApprovalRequest) -> ApprovalRequest:
    """The runtime row, then the request, locked (call inside a transaction); NotFound if it is gone."""
    list(AgentRuntime.objects.select_for_update().filter(agent_id=request.agent_id).values_list("pk", flat=True))
    locked = (ApprovalRequest.objects.select_for_update(of=("self",)).select_related("agent", "agent__organization")
              .filter(pk=request.pk).first())
    if locked is None:
        raise NotFound("approval request")
    return locked


def approval_waited_for(locked: ApprovalRequest) -> bool:
    """Whether the intention that asked still waits at this gate (its row locked, after the request's)."""
    wait = (Intention.objects.select_for_update().filter(pk=locked.intention_id, status=IntentionStatus.WAITING)
            .values_list("wait", flat=True).first()) if locked.intention_id else None
    return isinstance(wait, dict) and wait.get("approval") == str(locked.pk)


def approval_answer(locked: ApprovalRequest, *, status: str, by: Any, comment: str) -> None:
    """Write the answer on a locked pending request, release its intention's timeout, post the event, audit.

    Shared by a person's decision and the sweeper's expiry: the same four writes, in the same order.
    """
    now = timezone.now()
    locked.status, locked.decided_at, locked.comment = status, now, comment
    locked.decided_by = user_of(by)
    locked.save(update_fields=["status", "decided_at", "comment", "decided_by"])
    if locked.intention_id is not None:
        Intention.objects.filter(pk=locked.intention_id, status=IntentionStatus.WAITING,
                                 wait__approval=str(locked.pk)).update(wait_until=None, updated_at=now)
    agent_event_post(agent=locked.agent, kind=EventKind.APPROVAL, by=by, intention=locked.intention_id,
                     args={"request": str(locked.pk), "name": locked.name, "decision": status, "note": comment})
    record(action=Action.UPDATE, by=by, target=locked, changes={"status": [ApprovalStatus.PENDING, status]},
           note=comment or status, target_repr=f"approval {locked.name}")
    if locked.step == STANDALONE:
        pk, name = locked.pk, locked.name
        transaction.on_commit(lambda: approval_answered(pk, name, status, by), robust=True)


@transaction.atomic
def approval_decide(*, request: ApprovalRequest, by: Any, decision: str, comment: str = "") -> ApprovalRequest:
    """Approve or reject ``request`` (``decision``: approved | rejected) with an optional ``comment``.

    The caller has checked that ``by`` may decide it (approvals/access.py). See the module for the rest.
    """
    if decision not in DECISIONS:
        raise invalid("decision", f"Must be one of {', '.join(DECISIONS)}.")
    if not isinstance(comment, str):
        raise invalid("comment", "Must be a string.")
    comment = check_text("comment", comment, max_length=APPROVAL_COMMENT_MAX, required=False)
    locked = approval_lock(request)
    if locked.status != ApprovalStatus.PENDING:
        raise ApprovalDecided(locked.pk, locked.status)
    if locked.deadline <= timezone.now():
        raise ApprovalExpired(locked.pk, locked.deadline.isoformat())
    if locked.step != STANDALONE and not approval_waited_for(locked):
        raise ApprovalClosed(locked.pk)
    approval_answer(locked, status=decision, by=by, comment=comment)
    return locked
