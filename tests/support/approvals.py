"""Approval test helpers: a pending request of an agent, as the cycle would have written it, with its
intention waiting at the gate."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone

from agents.models import IntentionStatus
from agents.reasoning.approvals.models import ApprovalRequest
from tests.support.factories import AgentFactory
from tests.support.mind import IntentionFactory


def approval_request(agent: Any = None, *, seconds: float = 600, **fields: Any) -> ApprovalRequest:
    agent = agent or AgentFactory()
    pk, deadline = uuid.uuid4(), timezone.now() + datetime.timedelta(seconds=seconds)
    intention = IntentionFactory(agent=agent, status=IntentionStatus.WAITING, wait_until=deadline,
                                 wait={"approval": str(pk), "name": fields.get("name", "payment"), "bind": None})
    values = {"name": "payment", "question": "Pay the invoice?", "plan": "pay", "step": "body[0]", **fields}
    return ApprovalRequest.objects.create(id=pk, agent=agent, intention=intention, idempotency_key=f"test:{pk}",
                                          deadline=deadline, **values)
