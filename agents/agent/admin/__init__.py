"""The agent package's admin: agents (with their mind, inlines and lifecycle actions) and agent groups."""

from agents.agent.admin import agents, groups  # noqa: F401  (each registers its ModelAdmin)
