from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents"

    def ready(self) -> None:
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from agents.agent.access import register_policy as register_agent_policy
        from agents.keys import schema  # noqa: F401  (registers the OpenAPI agent-key scheme)
        from agents.organization.access import register_policy as register_organization_policy

        register_organization_policy()
        register_agent_policy()
