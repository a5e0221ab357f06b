from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents"

    def ready(self) -> None:
        from agents.access import register_policies
        from agents.api import schema  # noqa: F401  (registers the OpenAPI agent-key scheme)

        register_policies()
