"""``approval_requests_insert``: the cycle's write for ``ask_approval`` steps, in the batch's transaction.

Like action requests (actions/services/requests.py): the id is derived from the intention and its step count,
the key is unique, and ``ON CONFLICT DO NOTHING`` makes a replayed batch insert nothing twice. Not audited:
it is the agent's own bookkeeping, explained by its trace row (the cycle must not take the audit chain's lock
while it holds claimed runtime rows); the decision is audited.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from agents.common.audit import record
from agents.common.errors import invalid
from agents.common.limits import ACTION_KEY_MAX, APPROVAL_QUESTION_MAX, SHORT_TEXT
from agents.common.validation import parse_uuid
from agents.reasoning.approvals.models import STANDALONE, ApprovalRequest
from auditlog.models import Action
from mabos import storable


@dataclass(frozen=True)
class NewApprovalRequest:
    """A gate an ``ask_approval`` step opens: ``id`` derived from ``idempotency_key`` by the cycle."""

    id: Any
    agent: Any
    intention: Any
    idempotency_key: str
    name: str
    question: str
    of: str
    deadline: datetime.datetime
    plan: str = ""
    plan_version: int | None = None
    step: str = ""


def approval_request_check(request: NewApprovalRequest) -> None:
    """What the table could not store is a 400 naming the field, before any statement."""
    for name in ("id", "agent", "intention"):
        if parse_uuid(getattr(request, name)) is None:
            raise invalid(name, f"{getattr(request, name)!r} is not a valid id.")
    for name, limit in (("idempotency_key", ACTION_KEY_MAX), ("name", SHORT_TEXT), ("of", SHORT_TEXT),
                        ("question", APPROVAL_QUESTION_MAX)):
        text = getattr(request, name)
        if not isinstance(text, str) or not text or len(text) > limit or storable.text_problem(text):
            raise invalid(name, f"A text of 1 to {limit} characters.")


def approval_requests_insert(*, requests: Sequence[NewApprovalRequest]) -> int:
    """Insert ``requests`` in the caller's transaction, skipping keys already there; how many there were."""
    for request in requests:
        approval_request_check(request)
    if not requests:
        return 0
    rows = [ApprovalRequest(id=parse_uuid(r.id), agent_id=parse_uuid(r.agent), intention_id=parse_uuid(r.intention),
                            idempotency_key=r.idempotency_key, name=r.name, question=r.question, of=r.of,
                            plan=(r.plan or "")[:SHORT_TEXT], plan_version=r.plan_version, step=r.step[:SHORT_TEXT],
                            deadline=r.deadline)
            for r in sorted(requests, key=lambda r: r.idempotency_key)]
    ApprovalRequest.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def approval_request_standalone(*, agent: Any, name: str, question: str, of: str, deadline: datetime.datetime,
                                idempotency_key: str, by: Any) -> ApprovalRequest:
    """A question MABOS itself puts to people about ``agent``, with no intention waiting (``STANDALONE``):
    audited, and answered through the same ``approvals/{id}/decide/`` door. A repeated key returns the first."""
    earlier = ApprovalRequest.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier
    request = ApprovalRequest.objects.create(
        id=uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key), agent=agent, intention=None,
        idempotency_key=idempotency_key[:ACTION_KEY_MAX], name=name[:SHORT_TEXT],
        question=question[:APPROVAL_QUESTION_MAX], of=of, deadline=deadline, step=STANDALONE)
    record(action=Action.CREATE, by=by, target=request, changes={"of": [None, of], "question": [None, question]},
           note=name, target_repr=f"approval {name}")
    return request
