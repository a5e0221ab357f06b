"""Reads of action requests that depend on who asks: the requests of agents the caller may view."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agents.agent.access import agents_for
from agents.reasoning.actions.models import ActionRequest


def action_request_list(*, user: Any) -> QuerySet[ActionRequest]:
    """Newest first, with each request's agent and organization (one query for a page)."""
    return (ActionRequest.objects.filter(agent_id__in=agents_for(user).values("pk"))
            .select_related("agent", "agent__organization").order_by("-created_at", "id"))
