"""Agent API keys through the shared permission matrix (tests/support/permission_matrix.py): an agent's grants."""

from __future__ import annotations

from agents.models import AgentKind
from tests.support.factories import AgentFactory
from tests.support.permission_matrix import AgentChildMatrix


class TestApiKeyPermissions(AgentChildMatrix):
    detail_url = "/api/v1/agents/{pk}/"
    write_url = "/api/v1/agents/{pk}/keys/"
    write_method = "post"
    write_payload = {"name": "runtime"}
    audit_action = "create"
    target_type = "agents.agentapikey"

    def make_object(self):
        return AgentFactory(kind=AgentKind.EXTERNAL)

