"""Consistency checks of agent keys (run by ``manage.py check_integrity``)."""

from __future__ import annotations

from django.db.models import QuerySet

from agents.agent.models import AgentKind
from agents.keys.models import AgentApiKey
from mabos.integrity import integrity_check


@integrity_check("agents.api_key_external_only", "Only external agents hold active API keys.")
def keys_of_internal_agents() -> QuerySet[AgentApiKey]:
    return AgentApiKey.objects.filter(revoked_at__isnull=True).exclude(agent__kind=AgentKind.EXTERNAL)
