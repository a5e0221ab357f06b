"""Writes of approval gates: the cycle's insert (requests.py), a person's decision (decisions.py), and the
sweeper's expiry (expiry.py)."""

from agents.reasoning.approvals.services.decisions import approval_decide
from agents.reasoning.approvals.services.expiry import approvals_expire
from agents.reasoning.approvals.services.requests import (
    NewApprovalRequest,
    approval_request_check,
    approval_requests_insert,
)

__all__ = ["NewApprovalRequest", "approval_decide", "approval_request_check", "approval_requests_insert",
           "approvals_expire"]
