"""Writes of actions: the cycle's insert (requests.py), the worker (worker.py), the sweeper (sweeper.py), and
the ``notify`` action's record (notifications.py)."""

from agents.reasoning.actions.services.requests import (
    NewActionRequest,
    action_request_check,
    action_requests_insert,
)
from agents.reasoning.actions.services.sweeper import action_leases_expire, actions_sweep
from agents.reasoning.actions.services.worker import action_execute, action_record, actions_run_due

__all__ = [
    "NewActionRequest",
    "action_execute",
    "action_leases_expire",
    "action_record",
    "action_request_check",
    "action_requests_insert",
    "actions_run_due",
    "actions_sweep",
]
