"""Approval test helpers: a pending request of an agent, as the cycle would have written it."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone

from agents.reasoning.approvals.models import ApprovalRequest
from tests.support.factories import AgentFactory


def approval_request(agent: Any = None, *, seconds: float = 600, **fields: Any) -> ApprovalRequest:
    agent = agent or AgentFactory()
    key = f"test:{uuid.uuid4()}"
    values = {"name": "payment", "question": "Pay the invoice?", "plan": "pay", "step": "body[0]", **fields}
    return ApprovalRequest.objects.create(agent=agent, idempotency_key=key,
                                          deadline=timezone.now() + datetime.timedelta(seconds=seconds), **values)
