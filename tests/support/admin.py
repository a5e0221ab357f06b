"""Admin test helpers: a logged-in staff client, and the agent change form as the page posts it."""

from __future__ import annotations

from django.test import Client


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def agent_form(agent) -> dict:
    """The agent change form as the page posts it, every inline empty."""
    return {"organization": str(agent.organization_id), "role": str(agent.role_id), "name": agent.name,
            "slug": agent.slug, "kind": agent.kind, "supervisor": "", "config": "{}",
            "expected_version": str(agent.version), **empty_inlines()}


def empty_inlines() -> dict:
    """The management forms of the agent page's inlines, each with no rows."""
    return {f"{prefix}-{part}": "0" for prefix in ("beliefs", "goals", "memberships", "subscriptions")
            for part in ("TOTAL_FORMS", "INITIAL_FORMS")}
