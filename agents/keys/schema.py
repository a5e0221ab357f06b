"""OpenAPI: document the agent API key scheme next to the JWT one."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AgentKeyScheme(OpenApiAuthenticationExtension):
    target_class = "agents.keys.api.authentication.AgentKeyAuthentication"
    name = "agentKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An external agent's API key, sent as `Authorization: Agent <key>`. It reaches only "
                           "that agent's own resources.",
        }
