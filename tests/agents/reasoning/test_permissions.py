"""Beliefs and goals through the shared permission matrix (tests/support/permission_matrix.py): an agent's grants."""

from __future__ import annotations

from tests.support.factories import AgentFactory, BeliefFactory
from tests.support.permission_matrix import AgentChildMatrix


class TestBeliefPermissions(AgentChildMatrix):
    detail_url = "/api/v1/agents/{pk}/beliefs/cash/"
    write_method = "put"
    write_payload = {"value": 2, "confidence": 0.5}
    target_type = "agents.belief"

    def make_object(self):
        return BeliefFactory(key="cash", value=1).agent


class TestGoalPermissions(AgentChildMatrix):
    detail_url = "/api/v1/agents/{pk}/goals/"
    write_method = "post"
    write_payload = {"name": "Open a second shop", "priority": 70}
    audit_action = "create"
    target_type = "agents.goal"

    def make_object(self):
        return AgentFactory()

