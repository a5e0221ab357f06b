"""The cycle's door to the action registry: ``action`` steps become ``ActionRequest`` rows with the batch."""

from __future__ import annotations

from typing import Any


def actions_request(requests: list[dict[str, Any]]) -> None:
    """Insert the batch's action requests (their ids derive from (intention, step): a replay inserts none)."""
    from agents.reasoning.actions.services import NewActionRequest, action_requests_insert

    action_requests_insert(requests=[NewActionRequest(id=r["id"], agent=r["agent"], intention_id=r["intention"],
                                                      name=r["name"], args=r["args"], idempotency_key=r["key"])
                                     for r in requests])
